"""`manage.py seed_demo`: the demo data of every app, in the order of the layers.

A command of the top app because it composes all the others (DESIGN.md section 5: the lower
layers never import the ones above them).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_DISTRICT_HOUSEHOLDS, DEMO_DISTRICTS, DEMO_PASSWORD, seed_users
from accounts.models import User
from audit.context import Source, write_context
from beneficiaries.demo import seed_households
from graduation.demo import seed_assessments
from groups.demo import seed_kube
from kube_portal.embedded import LOCAL_DIR
from mentors.demo import seed_mentors

DEMO_LOGINS_FILE = LOCAL_DIR / "demo-logins.txt"


class Command(BaseCommand):
    help = (
        "Create the demo logins (one per role) and demo data: households in Kota Bandung and Kabupaten Garut "
        "(plus --households N over the country), their KUBE, mentors and visits. Safe to re-run: nothing is duplicated. "
        "The demo logins (published password, a superuser) are written only into the embedded database, "
        "or with --demo-logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=0,
            help="top the KPM register up to N demo households (beneficiaries.demo)",
        )
        parser.add_argument(
            "--demo-logins",
            action="store_true",
            help="create or reset the demo logins with the published password even though DATABASE_URL is set",
        )

    def handle(self, *args, **options):
        # The demo rows enter the audit trail as demo data: no person wrote them.
        with write_context(Source.DEMO):
            self._seed(options)

    def _seed(self, options):
        if settings.EMBEDDED_DATABASE or options["demo_logins"]:
            rows = seed_users()
            lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
            width = max(len(username) for username, _, _ in rows)
            lines += [f"  {username:<{width}}  {role} — {scope}" for username, role, scope in rows]
            text = "\n".join(lines)
            LOCAL_DIR.mkdir(exist_ok=True)
            DEMO_LOGINS_FILE.write_text(text + "\n")
            self.stdout.write(text)
        else:
            # A database the app did not create may be a real one: its logins are not ours to reset.
            DEMO_LOGINS_FILE.unlink(missing_ok=True)
            if not User.objects.filter(is_superuser=True, is_active=True).exists():
                # The demo KUBE record their steps as an administrator.
                raise CommandError(
                    "This database has no administrator: create one (manage.py createsuperuser), "
                    "or run seed_demo --demo-logins to create the demo logins with the published password."
                )
            self.stdout.write(
                "Demo logins not written: DATABASE_URL points at a database this app did not create, so existing "
                "logins and passwords are left as they are. Add --demo-logins to create them with the published password."
            )
        # The district demo logins always have a register of their own to work with.
        for district in DEMO_DISTRICTS:
            seed_households(DEMO_DISTRICT_HOUSEHOLDS, within=district, stdout=self.stdout)
        if options["households"]:
            seed_households(options["households"], stdout=self.stdout)
        seed_kube(stdout=self.stdout)
        seed_mentors(stdout=self.stdout)
        seed_assessments(stdout=self.stdout)
