"""The navigation menu per role. Apps add their entries to MENU as they land."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset


MENU = [
    MenuItem(_("Beranda"), "home", ALL_ROLES),
    MenuItem(_("Wilayah"), "regions:region_list", ALL_ROLES - {Role.PENDAMPING}),
    MenuItem(_("KPM"), "beneficiaries:household_list", ALL_ROLES),
    MenuItem(_("Pengguna"), "accounts:user_list", frozenset({Role.ADMIN, Role.DINSOS_PROVINSI, Role.DINSOS_KABKOTA})),
    MenuItem(_("KUBE"), "groups:kube_list", ALL_ROLES),
    MenuItem(_("Dasbor"), "dashboards:national", ALL_ROLES - {Role.PENDAMPING}),
    MenuItem(_("Kunjungan"), "mentors:visit_home", frozenset({Role.PENDAMPING})),
    MenuItem(_("Pendamping"), "mentors:mentor_list", ALL_ROLES - {Role.PENDAMPING}),
    MenuItem(_("Graduasi"), "graduation:siap_list", ALL_ROLES),
    MenuItem(_("Usulan graduasi"), "graduation:decision_queue", ALL_ROLES),
    MenuItem(_("Garis kemiskinan"), "graduation:poverty_line_list", ALL_ROLES - {Role.PENDAMPING}),
    MenuItem(_("Kriteria graduasi"), "graduation:criteria_list", frozenset({Role.ADMIN})),
    MenuItem(_("Proses graduasi"), "graduation:run_list", frozenset({Role.ADMIN})),
    MenuItem(_("Catatan unduhan"), "accounts:download_list", frozenset({Role.ADMIN, Role.DINSOS_KABKOTA})),
    MenuItem(_("Token API"), "accounts:token_list", frozenset({Role.ADMIN, Role.DINSOS_KABKOTA})),
    MenuItem(_("Dokumentasi API"), "api:docs", frozenset({Role.ADMIN})),
]


def menu_for(user) -> list[dict]:
    role = Role.ADMIN if user.is_superuser else user.role
    items = []
    for item in MENU:
        if role in item.roles:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # an app whose pages have not landed yet
                continue
            items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items
