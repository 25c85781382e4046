from django.core.management.base import BaseCommand

from accounts.demo import DEMO_DISTRICT_HOUSEHOLDS, DEMO_DISTRICTS, DEMO_PASSWORD, seed_users
from kube_portal.embedded import LOCAL_DIR


class Command(BaseCommand):
    help = (
        "Create the demo logins (one per role) and demo data: households in Kota Bandung and Kabupaten Garut "
        "(plus --households N over the country), their KUBE, mentors and visits. Safe to re-run: nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=0,
            help="top the KPM register up to N demo households (beneficiaries.demo)",
        )

    def handle(self, *args, **options):
        rows = seed_users()
        lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        width = max(len(username) for username, _, _ in rows)
        lines += [f"  {username:<{width}}  {role} — {scope}" for username, role, scope in rows]
        text = "\n".join(lines)
        LOCAL_DIR.mkdir(exist_ok=True)
        (LOCAL_DIR / "demo-logins.txt").write_text(text + "\n")
        self.stdout.write(text)
        from beneficiaries.demo import seed_households

        # The district demo logins always have a register of their own to work with.
        for district in DEMO_DISTRICTS:
            seed_households(DEMO_DISTRICT_HOUSEHOLDS, within=district, stdout=self.stdout)
        if options["households"]:
            seed_households(options["households"], stdout=self.stdout)
        from groups.demo import seed_kube

        seed_kube(stdout=self.stdout)
        from mentors.demo import seed_mentors

        seed_mentors(stdout=self.stdout)
        from graduation.demo import seed_assessments

        seed_assessments(stdout=self.stdout)
