from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_users
from kube_portal.embedded import LOCAL_DIR


class Command(BaseCommand):
    help = "Create the demo logins (one per role). Safe to re-run: nothing is duplicated."

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
        if options["households"]:
            from beneficiaries.demo import seed_households

            seed_households(options["households"], stdout=self.stdout)
        from groups.demo import seed_kube

        seed_kube(stdout=self.stdout)
        from mentors.demo import seed_mentors

        seed_mentors(stdout=self.stdout)
