"""Filters of the lists of the accounts app: the logins a manager keeps, and the download records."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import DownloadChannel, DownloadKind
from kube_portal.filtering import ListFilterSet, bootstrap


def _every_word(queryset, fields: tuple[str, ...], text: str):
    """Rows where every word of `text` is found in one of `fields` ("siti rahayu": first name Siti, last name Rahayu)."""
    for word in text.split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


class RegionCodeFilter(django_filters.CharFilter):
    """A Kemendagri code (32, 32.05, 32.05.01...) matched as a prefix, on a pattern-ops index."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "startswith")
        kwargs.setdefault("regex", r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")
        kwargs.setdefault("error_messages", {"invalid": _("Kode wilayah seperti 32, 32.05 atau 32.05.01.")})
        super().__init__(*args, **kwargs)


class UserFilter(ListFilterSet):
    """Filters of `accounts.services.manageable_users(manager)`."""

    q = django_filters.CharFilter(label=_("Cari nama atau nama pengguna"), method="search")
    # The roles the manager may assign (__init__).
    role = django_filters.ChoiceFilter(label=_("Peran"), empty_label=_("Semua peran"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        field_name="is_active",
        choices=[("active", _("Aktif")), ("inactive", _("Nonaktif"))],
        empty_label=_("Semua"),
        method="with_status",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["role"].extra["choices"] = [
            (role.value, role.label) for role in services.assignable_roles(self.user)
        ]
        bootstrap(self.form)

    def search(self, users, name, value):
        return _every_word(users, ("username", "first_name", "last_name"), value)

    def with_status(self, users, name, value):
        return users.filter(is_active=value == "active")


class DownloadFilter(ListFilterSet):
    """Filters of `accounts.downloads.downloads_visible_to(user)`."""

    strict = True  # the record of who took personal data: a mistyped filter must not show everything

    q = django_filters.CharFilter(label=_("Pengguna"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Jenis"), choices=DownloadKind.choices, empty_label=_("Semua jenis"))
    channel = django_filters.ChoiceFilter(label=_("Melalui"), choices=DownloadChannel.choices, empty_label=_("Semua"))
    region = RegionCodeFilter(
        label=_("Kode wilayah"), field_name="region_code", widget=forms.TextInput(attrs={"placeholder": "32.05"})
    )
    since = django_filters.DateFilter(
        label=_("Dari tanggal"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("Sampai tanggal"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self.form)

    def search(self, records, name, value):
        return _every_word(records, ("user__username", "user__first_name", "user__last_name"), value)
