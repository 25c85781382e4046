from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from graduation.models import PovertyLine
from graduation.poverty_lines import HEADERS, poverty_lines_import

MAX_UPLOAD_BYTES = 1024 * 1024


class PovertyLineUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas CSV"), help_text=", ".join(HEADERS))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar: paling besar 1 MB."))
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Hanya berkas .csv yang diterima."))
        return upload


@login_required
def poverty_line_list(request):
    """Poverty lines are national reference data: everyone reads them, only administrators load them."""
    can_load = request.user.is_national
    form = PovertyLineUploadForm()
    errors = []
    if request.method == "POST":
        if not can_load:
            raise PermissionDenied
        form = PovertyLineUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = poverty_lines_import(content=form.cleaned_data["file"].read())
            if not result.errors:
                messages.success(
                    request,
                    _("Garis kemiskinan dimuat: %(created)s baru, %(updated)s diperbarui.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("graduation:poverty_line_list")
            errors = result.errors
    lines = PovertyLine.objects.select_related("province").order_by("province_id", "area", "-period")
    return render(
        request,
        "graduation/poverty_line_list.html",
        {"lines": lines, "form": form, "errors": errors, "can_load": can_load, "headers": HEADERS},
    )
