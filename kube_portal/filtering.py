"""The filters of the list pages: one django-filter FilterSet per list, shared by the page, its
export and (later) the API, so that a list filtered one way reads the same rows everywhere.

The conventions every list's FilterSet keeps:

- it filters the user's scoped queryset: `XFilter(request.GET or None,
  queryset=X.objects.visible_to(request.user), request=request)`; `request.user` is there
  for choices that depend on the scope (the kecamatan of a district);
- the URL parameters are the filter names, kept stable (bookmarks, tests and links use them);
- every filter maps to an index: region-code prefixes, foreign keys, indexed columns;
- an invalid value is left out, the other filters apply, and the page shows the error on its
  field (`templates/partials/filter_errors.html`). On the lists of personal data that are
  exported (`strict`), an invalid filter lists nothing instead: a mistyped kecamatan code must
  not turn into a download of the whole district;
- what applies whatever the filters say (a default status, the order of the page) goes in
  `finish()`.
"""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.http import urlencode


class ListFilterSet(django_filters.FilterSet):
    #: An invalid filter lists nothing (instead of being left out).
    strict = False

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = getattr(request, "user", None)

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            queryset = self.queryset.all()
            if self.is_bound:
                valid = self.form.is_valid()
                queryset = queryset.none() if self.strict and not valid else self.filter_queryset(queryset)
            self._qs = self.finish(queryset)
        return self._qs

    def finish(self, queryset: QuerySet) -> QuerySet:
        """What applies to the list whatever the filters say: default filters, the order."""
        return queryset

    def value(self, name: str, default=None):
        """A filter's valid value, or `default` when it was not given or is not valid."""
        if not self.is_bound:
            return default
        self.form.is_valid()
        value = self.form.cleaned_data.get(name)
        return default if value in (None, "", [], ()) else value

    @property
    def params(self) -> dict[str, str]:
        """The filters given, as URL parameters (what the export of this list and the download record receive)."""
        return {name: value for name, value in self.data.items() if name in self.filters and value}

    @property
    def query_string(self) -> str:
        return urlencode(self.params)

    @property
    def filtered(self) -> bool:
        return bool(self.params)


def bootstrap(form: forms.Form, *, small: bool = False) -> forms.Form:
    """Bootstrap's classes on the widgets of a filter form rendered field by field."""
    size = "-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = f"form-select form-select{size}" if small else "form-select"
        else:
            css = f"form-control form-control{size}" if small else "form-control"
        widget.attrs.setdefault("class", css)
    return form
