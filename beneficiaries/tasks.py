from celery import shared_task

from beneficiaries.import_jobs import import_job_run, import_jobs_recover


# reject_on_worker_lost: when the worker process dies mid-import, the task goes back to the
# queue and the job is run again (import_job_run gives up after MAX_ATTEMPTS starts).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_run(job_id: int) -> None:
    import_job_run(job_id=job_id)


@shared_task
def import_jobs_recover_task() -> dict[str, int]:
    return import_jobs_recover()
