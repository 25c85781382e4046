"""seed_demo never resets logins of a database the app did not create."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, UserFactory
from groups.tests.factories import ensure_reference_data
from kube_portal.embedded import LOCAL_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference_data():
    """The programmes and business fields the demo KUBE use (a transactional test may have flushed them)."""
    ensure_reference_data()


@pytest.fixture
def demo_logins_file():
    """seed_demo writes (or removes) .local/demo-logins.txt: keep what the checkout had."""
    path = LOCAL_DIR / "demo-logins.txt"
    before = path.read_bytes() if path.exists() else None
    yield path
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


def test_on_a_database_it_did_not_create_existing_passwords_stay(regions, settings, demo_logins_file, capsys):
    settings.EMBEDDED_DATABASE = False  # DATABASE_URL is set: a real server
    admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    garut = UserFactory(username="dinsos.garut", role=Role.DINSOS_KABKOTA, region=regions["32.05"], is_superuser=False)
    demo_logins_file.write_text("stale logins of another database\n")

    call_command("seed_demo")

    for user in (admin, garut):
        user.refresh_from_db()
        assert user.check_password(PASSWORD) and not user.check_password(DEMO_PASSWORD)
    assert not garut.is_superuser
    assert not User.objects.filter(username="pendamping.bandung").exists()
    # make run prints this file: it must not announce logins that do not work here.
    assert not demo_logins_file.exists()
    assert "Demo logins not written" in capsys.readouterr().out


def test_without_an_administrator_it_stops_before_writing_anything(regions, settings, demo_logins_file):
    from beneficiaries.models import Household

    settings.EMBEDDED_DATABASE = False
    with pytest.raises(CommandError, match="no administrator"):
        call_command("seed_demo")
    assert not Household.objects.exists()


def test_with_the_flag_or_on_its_own_embedded_database_it_writes_the_demo_logins(regions, settings, demo_logins_file):
    settings.EMBEDDED_DATABASE = False
    admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    call_command("seed_demo", "--demo-logins")
    admin.refresh_from_db()
    assert admin.check_password(DEMO_PASSWORD)
    assert "kube-demo-2026" in demo_logins_file.read_text()

    demo_logins_file.unlink()
    settings.EMBEDDED_DATABASE = True
    call_command("seed_demo")
    assert User.objects.get(username="pendamping.bandung").check_password(DEMO_PASSWORD)
    assert demo_logins_file.exists()
