import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.selectors import Filters, default_month
from groups.models import Program


class FilterForm(forms.Form):
    """Programme and month of a dashboard, read from the URL so that a view can be shared."""

    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Semua program"),
    )
    periode = forms.DateField(
        label=_("Bulan"),
        input_formats=["%Y-%m"],
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def filters(self) -> Filters:
        """The valid filters; an invalid value falls back to its default rather than failing the page."""
        data = self.cleaned_data if self.is_valid() else {}
        month = data.get("periode") or default_month()
        month = datetime.date(month.year, month.month, 1)
        return Filters(program=data.get("program"), month=month)
