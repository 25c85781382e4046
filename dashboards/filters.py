"""The dashboard's filters: a programme and a month, read from the URL so that a view can be shared.

They choose the figures of the page (`Filters`) and filter its list of KUBE and that list's export.
"""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.selectors import Filters, default_month
from groups.models import Program
from kube_portal.filtering import ListFilterSet


class DashboardFilter(ListFilterSet):
    """Filters of the KUBE of a dashboard's area (`dashboards.selectors.kube_list`)."""

    program = django_filters.ModelChoiceFilter(
        label=_("Program"),
        queryset=Program.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Semua program"),
    )
    # The month of the figures; the KUBE list is the register of today.
    periode = django_filters.DateFilter(
        label=_("Bulan"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        method="noop",
    )

    def noop(self, kubes, name, value):
        return kubes

    def figures(self) -> Filters:
        """The valid filters; an invalid value falls back to its default rather than failing the page."""
        month = self.value("periode") or default_month()
        return Filters(program=self.value("program"), month=datetime.date(month.year, month.month, 1))
