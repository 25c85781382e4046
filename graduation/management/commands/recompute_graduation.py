import datetime

from django.core.management.base import BaseCommand, CommandError

from graduation.recompute import RecomputeBusy, recompute_dry_run, recompute_graduation
from regions.models import Level, Region


class Command(BaseCommand):
    help = "Recompute graduation readiness (KUBE maturity first); --dry-run shows what would change."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="", help="Province code, e.g. 32 (default: all provinces).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None, help="Run date (YYYY-MM-DD).")

    def handle(self, *args, province: str, dry_run: bool, date, **options):
        if province and not Region.objects.filter(code=province, level=Level.PROVINCE).exists():
            raise CommandError(f"Unknown province code: {province}")
        if dry_run:
            result = recompute_dry_run(province=province, run_date=date)
            self.stdout.write(f"Dry run {result.run_date}, criteria v{result.criteria.version} (nothing written)")
            for code, counts in result.provinces.items():
                self.stdout.write(f"  {code}: {counts}")
            self.stdout.write(f"Total: {result.totals}")
            for (
                household_id,
                code,
                before,
                after,
                alamiah_before,
                alamiah_after,
                score_before,
                score_after,
            ) in result.sample:
                self.stdout.write(
                    f"  household {household_id} ({code}): {before or '-'} → {after}, "
                    f"score {score_before if score_before is not None else '-'} → {score_after}, "
                    f"alamiah {alamiah_before if alamiah_before is not None else '-'} → {alamiah_after}"
                )
            return
        try:
            run = recompute_graduation(province=province, run_date=date, stdout=self.stdout)
        except RecomputeBusy as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Run #{run.pk} done: {run.counts}, {run.households_changed} households changed"
                + (f" (resumed {run.resumed_count}×)" if run.resumed_count else "")
            )
        )
