from celery import shared_task

from beneficiaries.import_jobs import import_job_run


@shared_task(acks_late=True)
def import_run(job_id: int) -> None:
    import_job_run(job_id=job_id)
