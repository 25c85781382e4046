from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from audit.context import Source, write_context
from beneficiaries.importing import ImportFileError, error_report_xlsx, households_import


class Command(BaseCommand):
    help = "Import KPM households from a CSV/XLSX file (one row per member), as the given user."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="username whose region and rights apply")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--error-report", type=Path, help="write rejected rows to this XLSX file")

    def handle(self, *args, file: Path, user: str, dry_run: bool, error_report: Path | None, **options):
        try:
            importer = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist as error:
            raise CommandError(f"No active user {user!r}.") from error
        if not file.exists():
            raise CommandError(f"{file} does not exist.")
        try:
            with write_context(Source.IMPORT, user=importer.pk):
                result = households_import(user=importer, path=file, dry_run=dry_run)
        except (ImportFileError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        for message in result.messages:
            self.stdout.write(self.style.WARNING(message))
        for problem in result.errors[:20]:
            self.stdout.write(f"  baris {problem.row}, {problem.column or '-'}: {problem.message}")
        if len(result.errors) > 20:
            self.stdout.write(f"  ... {len(result.errors) - 20} more")
        if error_report and (result.problems or result.messages):
            error_report_xlsx(result, error_report)
            self.stdout.write(f"Error report: {error_report}")
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}created {result.households_created} households / "
            f"{result.members_created} members, updated {result.households_updated} households / "
            f"{result.members_updated} members, rejected {result.rows_rejected} rows."
        )
