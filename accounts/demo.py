"""Demo logins, one per role, for `manage.py seed_demo` (listed in README.md)."""

from django.db import transaction

from accounts.models import Role, User
from regions.loading import WILAYAH_I_CODE
from regions.models import DirectorateArea, Region

DEMO_PASSWORD = "kube-demo-2026"  # noqa: S105 - published demo credential, never used in production

# The districts of the demo district officers and mentor, and how many households each gets.
DEMO_DISTRICTS = ["32.73", "32.05"]
DEMO_DISTRICT_HOUSEHOLDS = 150

DEMO_USERS = [
    # username, full name, role, region code, directorate area code
    ("admin", "Admin Pusat", Role.ADMIN, None, None),
    ("direktorat", "Dit. PFM Wilayah I", Role.DIREKTORAT, None, WILAYAH_I_CODE),
    ("dinsos.jabar", "Dinsos Provinsi Jawa Barat", Role.DINSOS_PROVINSI, "32", None),
    ("dinsos.bandung", "Dinsos Kota Bandung", Role.DINSOS_KABKOTA, "32.73", None),
    ("dinsos.garut", "Dinsos Kabupaten Garut", Role.DINSOS_KABKOTA, "32.05", None),
    ("pendamping.bandung", "Pendamping Kota Bandung", Role.PENDAMPING, "32.73", None),
]


@transaction.atomic
def seed_users() -> list[tuple[str, str, str]]:
    """Create or refresh the demo logins; returns (username, role label, scope) rows."""
    rows = []
    for username, full_name, role, region_code, area_code in DEMO_USERS:
        first_name, _, last_name = full_name.partition(" ")
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.role = role
        user.region = Region.objects.get(code=region_code) if region_code else None
        user.directorate_area = DirectorateArea.objects.get(code=area_code) if area_code else None
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.is_active = True
        # Reset every run, so the logins in README.md always work.
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        rows.append((username, str(role.label), user.scope_label))
    return rows
