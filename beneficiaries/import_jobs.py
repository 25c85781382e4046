"""Running an uploaded file through the import engine and keeping its ImportJob up to date."""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from beneficiaries import xlsx
from beneficiaries.importing import ImportFileError, error_report_xlsx, households_import
from beneficiaries.models import ImportJob


def import_job_run(*, job_id: int) -> ImportJob:
    """Idempotent: a job that already ran is left as it is (a redelivered task does nothing)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("user").get(pk=job_id)
        if job.status != ImportJob.Status.PENDING:
            return job
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    # The worker speaks the language the uploader used the page in.
    with override(job.language):
        try:
            result = households_import(
                user=job.user, path=job.file.path, filename=job.original_name, dry_run=job.dry_run, progress=progress
            )
        except ImportFileError as error:
            job.status = ImportJob.Status.FAILED
            job.messages = [str(error)]
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "messages", "finished_at"])
            return job
        if result.problems or result.messages:
            report = io.BytesIO()
            error_report_xlsx(result, report)
            job.error_report.save(f"kesalahan-impor-{job.pk}.xlsx", ContentFile(report.getvalue()), save=False)
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
    return job


def error_report_rows(job: ImportJob) -> int | None:
    """How many rows the job's error report lists under its header (None if it cannot be read)."""
    try:
        with job.error_report.open("rb") as handle:
            return max(0, sum(1 for row in xlsx.iter_rows(handle) if row) - 1)
    except (OSError, ValueError):
        return None
