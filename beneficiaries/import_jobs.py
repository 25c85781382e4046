"""Import jobs: queue an uploaded file, run it through the import engine, and make sure it ends.

Every job ends `done` or `failed` with a message the uploader understands:
- the run catches everything: a file error, a MemoryError (the worker's memory ceiling, see
  kube_portal.celery), any bug; the traceback goes to the log, the page gets a sentence;
- a running job holds its liveness lock (kube_portal.locks): a job marked running whose
  lock is free lost its worker, and is run again, by the redelivered task (Celery requeues
  the task of a worker that died) or by `import_jobs_recover` (Celery beat, every minute,
  and at worker start), at most MAX_ATTEMPTS times;
- a job whose task was lost before any worker took it (a failed publish after the upload, a
  broker restart) is published again, and given up after PENDING_GIVE_UP.
"""

import datetime
import io
import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.context import Source, write_context
from beneficiaries import xlsx
from beneficiaries.importing import ImportFileError, error_report_xlsx, households_import
from beneficiaries.models import ImportJob
from kube_portal import locks
from kube_portal.queue import QueueUnavailable, enqueue

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = locks.Key.IMPORT_JOBS
#: Starts of one job before it is given up: a file that takes its worker down each time.
MAX_ATTEMPTS = 3
#: A job not started this long after its task was published is published again...
REQUEUE_AFTER = datetime.timedelta(minutes=5)
#: ...and given up when no worker has started it this long after the upload.
PENDING_GIVE_UP = datetime.timedelta(hours=1)


def import_job_start(*, user, file, original_name: str, dry_run: bool, language: str) -> ImportJob:
    """Record the job and queue its task; raises QueueUnavailable, leaving no job behind.

    Not atomic on purpose: the job must be committed before a worker can read it, and is
    deleted again (with the file it brought) when the queue does not take the task.
    """
    if not user.enters_data:  # the pages and the API ask first; the rule itself lives here
        raise PermissionDenied(_("Peran Anda hanya dapat membaca data KPM."))
    job = ImportJob.objects.create(
        user=user,
        file=file,
        original_name=original_name,
        dry_run=dry_run,
        language=language,
        enqueued_at=timezone.now(),
    )
    try:
        _publish(job)
    except QueueUnavailable:
        if not isinstance(file, str):  # a new upload; a confirmed dry run's file stays with it
            job.file.delete(save=False)
        job.delete()
        raise
    return job


def _publish(job: ImportJob) -> None:
    # By name: beneficiaries.tasks imports this module.
    enqueue("beneficiaries.tasks.import_run", job.pk)


def import_job_alive(job: ImportJob) -> bool:
    """Whether a worker is running the job right now."""
    return bool(locks.jobs_held(LOCK_NAMESPACE, [job.pk]))


def import_job_stalled(job: ImportJob, *, now: datetime.datetime | None = None) -> bool:
    """A job that waits for recovery: running without a worker, or queued far too long."""
    if job.finished:
        return False
    if job.status == ImportJob.Status.RUNNING:
        return not import_job_alive(job)
    now = now or timezone.now()
    return job.enqueued_at is not None and now - job.enqueued_at > REQUEUE_AFTER


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the job, unless it has finished or a live worker is running it (a repeated task is harmless)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("user").filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        if not locks.job_hold(LOCK_NAMESPACE, job.pk):
            return job  # running, alive, in another worker
        try:
            if job.attempts >= MAX_ATTEMPTS:
                with override(job.language):
                    _finish_failed(job, _gave_up_message())
            else:
                job.status = ImportJob.Status.RUNNING
                job.attempts += 1
                job.started_at = timezone.now()
                job.save(update_fields=["status", "attempts", "started_at"])
        except BaseException:
            locks.job_release(LOCK_NAMESPACE, job.pk)
            raise
    try:
        if not job.finished:
            with override(job.language):
                _execute(job)
    finally:
        locks.job_release(LOCK_NAMESPACE, job.pk)
    return job


def _execute(job: ImportJob) -> None:
    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    try:
        # Every row the job writes is recorded in the audit trail as this job's, by its uploader.
        with write_context(Source.IMPORT, import_job=job.pk, user=job.user_id):
            result = households_import(
                user=job.user,
                path=Path(job.file.path),
                filename=job.original_name,
                dry_run=job.dry_run,
                progress=progress,
            )
    except ImportFileError as error:
        _finish_failed(job, str(error))
        return
    except MemoryError:
        logger.exception("import job %s: out of memory", job.pk)
        _finish_failed(
            job,
            _(
                "Berkas ini memerlukan lebih banyak memori daripada yang tersedia untuk satu impor. "
                "Tidak ada data yang diubah. Bagi menjadi beberapa berkas yang lebih kecil."
            ),
        )
        return
    except Exception:
        # The write pass is one transaction: when it did not return, nothing was written.
        logger.exception("import job %s failed", job.pk)
        _finish_failed(
            job,
            _(
                "Impor gagal karena kesalahan di server (sudah dicatat). Tidak ada data yang diubah. "
                "Coba lagi nanti atau hubungi admin."
            ),
        )
        return
    try:
        if result.problems or result.messages:
            report = io.BytesIO()
            error_report_xlsx(result, report)
            job.error_report.save(f"kesalahan-impor-{job.pk}.xlsx", ContentFile(report.getvalue()), save=False)
    except Exception:
        logger.exception("import job %s: error report not written", job.pk)
        result.messages.append(_("Laporan kesalahan tidak dapat dibuat (sudah dicatat)."))
    job.rows_total = job.rows_done = result.rows_total
    job.households_created = result.households_created
    job.households_updated = result.households_updated
    job.members_created = result.members_created
    job.members_updated = result.members_updated
    job.rows_rejected = result.rows_rejected
    job.messages = result.messages
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save()


def _finish_failed(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.messages = [message]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "messages", "finished_at"])


def _gave_up_message() -> str:
    return _(
        "Impor ini terhenti %(count)d kali karena pemrosesnya mati, lalu dihentikan. Tidak ada data yang diubah. "
        "Periksa berkasnya atau bagi menjadi beberapa berkas yang lebih kecil."
    ) % {"count": MAX_ATTEMPTS}


def import_jobs_recover(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Publish again every job that lost its task or its worker; give up those that cannot end.

    Run by Celery beat every minute and when a worker starts. Returns what it did, by kind.
    """
    now = now or timezone.now()
    done = {"requeued": 0, "failed": 0}
    unfinished = list(ImportJob.objects.filter(status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]))
    alive = locks.jobs_held(LOCK_NAMESPACE, [job.pk for job in unfinished])
    for job in unfinished:
        if job.pk in alive:
            continue
        published = job.enqueued_at or job.created_at
        if job.status == ImportJob.Status.RUNNING:
            # Dead: publish again at once, unless that was already done since it started.
            due = job.started_at is None or published < job.started_at or now - published > REQUEUE_AFTER
            give_up = job.attempts >= MAX_ATTEMPTS
        else:
            due = now - published > REQUEUE_AFTER
            give_up = now - job.created_at > PENDING_GIVE_UP
        if give_up:
            with override(job.language):
                message = (
                    _gave_up_message()
                    if job.status == ImportJob.Status.RUNNING
                    else _(
                        "Tidak ada pemroses yang menjalankan impor ini dalam satu jam. Tidak ada data yang diubah; "
                        "unggah berkasnya lagi nanti."
                    )
                )
            # Only if nothing moved meanwhile: a worker may have taken it since the read above.
            if ImportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
                status=ImportJob.Status.FAILED, messages=[message], finished_at=now
            ):
                done["failed"] += 1
        elif due:
            try:
                _publish(job)
            except QueueUnavailable:
                continue  # the next round tries again
            ImportJob.objects.filter(pk=job.pk).update(enqueued_at=now)
            done["requeued"] += 1
    if any(done.values()):
        logger.warning("import jobs recovered: %s", done)
    return done


def error_report_rows(job: ImportJob) -> int | None:
    """How many rows the job's error report lists under its header (None if it cannot be read)."""
    try:
        with job.error_report.open("rb") as handle:
            return max(0, sum(1 for _row in xlsx.iter_rows(handle, max_rows=xlsx.MAX_SHEET_ROWS)) - 1)
    except (OSError, ValueError, xlsx.XlsxError):
        return None
