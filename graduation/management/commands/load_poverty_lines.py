from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from graduation.poverty_lines import poverty_lines_import


class Command(BaseCommand):
    help = "Load per-province BPS poverty lines from a CSV file (kode_provinsi, wilayah, periode, garis_kemiskinan)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"File not found: {file}")
        result = poverty_lines_import(content=file.read_bytes())
        if result.errors:
            raise CommandError("File rejected, nothing saved:\n" + "\n".join(result.errors))
        self.stdout.write(self.style.SUCCESS(f"Poverty lines: {result.created} created, {result.updated} updated."))
