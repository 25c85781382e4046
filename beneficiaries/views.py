import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.downloads import data_region, download_finish, download_record
from accounts.models import DownloadKind
from beneficiaries import exporting
from beneficiaries.filters import HouseholdFilter, ImportJobFilter
from beneficiaries.forms import BulkUpdateForm, DeactivateForm, HouseholdForm, ImportForm, MemberFormSet
from beneficiaries.history import household_history
from beneficiaries.import_jobs import MAX_ATTEMPTS, error_report_rows, import_job_stalled, import_job_start
from beneficiaries.importing import template_xlsx
from beneficiaries.models import Household, ImportJob, Member
from beneficiaries.panels import household_panels
from beneficiaries.services import (
    duplicate_mark_distinct,
    duplicate_merge,
    household_create,
    household_deactivate,
    household_update,
    households_bulk_update,
    possible_duplicates,
)
from kube_portal.concurrency import StaleEdit
from kube_portal.db_router import reads_from_replica
from kube_portal.paging import ListPaginator
from kube_portal.queue import TRY_AGAIN_LATER, QueueUnavailable
from kube_portal.spreadsheets import CSV_CONTENT_TYPE

PER_PAGE = 25
#: The uploader's latest import jobs shown under the upload form.
JOBS_SHOWN = 10


def _require_entry_rights(user):
    if not user.enters_data:
        raise PermissionDenied(_("Peran Anda hanya dapat membaca data KPM."))


def _scoped_household(request, pk):
    return get_object_or_404(Household.objects.visible_to(request.user), pk=pk)


def _household_filter(request) -> HouseholdFilter:
    """The list's filters over the user's households (the page and its exports)."""
    return HouseholdFilter(
        request.GET or None, queryset=Household.objects.visible_to(request.user).with_head(), request=request
    )


@login_required
def household_list(request):
    filters = _household_filter(request)
    page = ListPaginator(
        filters.qs.select_related("village__parent").only(
            "id",
            "no_kk",
            "head_name",
            "region_code",
            "rt",
            "rw",
            "is_active",
            "deactivation_reason",
            "receives_pkh",
            "receives_bpnt",
            "receives_pbi_jk",
            "village__name",
            "village__kind",
            "village__parent__name",
        ),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/household_list.html",
        {
            "page": page,
            "form": filters.form,
            "query_string": filters.query_string,
            "bulk_form": BulkUpdateForm(user=request.user) if request.user.enters_data else None,
        },
    )


@login_required
@require_POST
def household_bulk_update(request):
    _require_entry_rights(request.user)
    form = BulkUpdateForm(request.POST, user=request.user)
    if form.is_valid():
        count = households_bulk_update(
            user=request.user,
            household_ids=[household.pk for household in form.cleaned_data["households"]],
            changes=form.cleaned_data["changes"],
        )
        messages.success(request, _("%(count)d keluarga diubah.") % {"count": count})
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("beneficiaries:household_list")
    return redirect(next_url)


@login_required
@reads_from_replica
def household_export(request, fmt):
    filters = _household_filter(request)
    households = filters.qs
    full_nik = request.user.enters_data
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    record = download_record(
        request=request,
        kind=DownloadKind.KPM_EXPORT,
        file_format=fmt,
        description=_("Daftar KPM dan anggotanya"),
        filters=filters.params,
        full_nik=full_nik,
        region_code=data_region(request.user, request.GET.get("kecamatan", ""), request.GET.get("desa", "")),
    )
    if fmt == "csv":
        lines = exporting.csv_rows(
            households, full_nik=full_nik, on_finish=lambda count: download_finish(record=record, row_count=count)
        )
        response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="kpm-{stamp}.csv"'
        return response
    # openpyxl's write-only mode keeps rows on disk, not in memory; the file is streamed from there.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = exporting.write_xlsx(households, handle, full_nik=full_nik)
    download_finish(record=record, row_count=count)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"kpm-{stamp}.xlsx")


@login_required
def household_detail(request, pk):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village__parent__parent", "duplicate_of"), pk=pk
    )
    return render(
        request,
        "beneficiaries/household_detail.html",
        {
            "household": household,
            "members": household.members.all(),
            "panels": household_panels(request, household),
            "history": household_history(household).page(request, unmasked=request.user.enters_data),
            "full_nik": request.user.enters_data,
            "can_edit": request.user.enters_data and household.is_active,
        },
    )


def _save_household(request, household: Household | None):
    _require_entry_rights(request.user)
    user = request.user
    form = HouseholdForm(
        request.POST or None, instance=household, user=user, version=household.version if household else None
    )
    formset = MemberFormSet(request.POST or None, instance=household or Household(), user=user, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            if household is None:
                household = household_create(user=user, data=form.service_data(), members=formset.member_changes())
                messages.success(request, _("Keluarga berhasil didaftarkan."))
            else:
                household = household_update(
                    user=user,
                    household=household,
                    data=form.service_data(),
                    members=formset.member_changes(),
                    version=form.cleaned_data["version"],
                )
                messages.success(request, _("Perubahan disimpan."))
        except StaleEdit as error:
            form.show_stale(error)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            for warning in form.warnings + formset.warnings:
                messages.warning(request, warning)
            return redirect("beneficiaries:household_detail", pk=household.pk)
    return render(
        request,
        "beneficiaries/household_form.html",
        {"form": form, "formset": formset, "household": household},
    )


@login_required
def household_create_view(request):
    return _save_household(request, None)


@login_required
def household_edit(request, pk):
    household = _scoped_household(request, pk)
    if not household.is_active:
        raise Http404
    return _save_household(request, household)


@login_required
def household_deactivate_view(request, pk):
    household = _scoped_household(request, pk)
    _require_entry_rights(request.user)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household_deactivate(
                user=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Keluarga dinonaktifkan."))
        return redirect("beneficiaries:household_detail", pk=household.pk)
    return render(request, "beneficiaries/household_deactivate.html", {"household": household, "form": form})


@login_required
def duplicate_review(request):
    if request.method == "POST":
        _require_entry_rights(request.user)
        nik_a, nik_b = request.POST.get("nik_a", ""), request.POST.get("nik_b", "")
        try:
            if request.POST.get("action") == "distinct":
                duplicate_mark_distinct(user=request.user, nik_a=nik_a, nik_b=nik_b)
                messages.success(request, _("Ditandai sebagai orang yang berbeda."))
            elif request.POST.get("action") == "merge":
                keep = request.POST.get("keep")
                discard = nik_b if keep == nik_a else nik_a
                duplicate_merge(user=request.user, keep_nik=keep, discard_nik=discard)
                messages.success(request, _("Data digabung."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except Member.DoesNotExist as error:
            raise Http404 from error
        return redirect("beneficiaries:duplicate_review")
    pairs = possible_duplicates(user=request.user)
    return render(
        request,
        "beneficiaries/duplicate_review.html",
        {"pairs": pairs, "full_nik": request.user.enters_data},
    )


# --- Import -------------------------------------------------------------------------------


@login_required
def import_upload(request):
    _require_entry_rights(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_start(
                user=request.user,
                file=upload,
                original_name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                language=get_language(),
            )
        except QueueUnavailable:
            form.add_error(None, TRY_AGAIN_LATER)
            status = 503
        else:
            return redirect("beneficiaries:import_status", pk=job.pk)
    jobs = ImportJobFilter(request.GET or None, queryset=ImportJob.objects.filter(user=request.user), request=request)
    return render(
        request,
        "beneficiaries/import_upload.html",
        {"form": form, "jobs": jobs.qs[:JOBS_SHOWN], "jobs_form": jobs.form, "jobs_filtered": jobs.filtered},
        status=status,
    )


@login_required
@require_POST
def import_confirm(request, pk):
    """Import for real the file of a finished dry run."""
    dry = get_object_or_404(ImportJob, pk=pk, user=request.user, dry_run=True, status=ImportJob.Status.DONE)
    _require_entry_rights(request.user)
    try:
        job = import_job_start(
            user=request.user,
            file=dry.file.name,
            original_name=dry.original_name,
            dry_run=False,
            language=get_language(),
        )
    except QueueUnavailable:
        messages.error(request, TRY_AGAIN_LATER)
        return redirect("beneficiaries:import_status", pk=dry.pk)
    return redirect("beneficiaries:import_status", pk=job.pk)


def _own_job(request, pk) -> ImportJob:
    # An import job is its uploader's: anyone else gets 404.
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


@login_required
def import_status(request, pk):
    job = _own_job(request, pk)
    return render(request, "beneficiaries/import_status.html", _progress_context(job))


def _progress_context(job: ImportJob) -> dict:
    return {"job": job, "stalled": import_job_stalled(job), "max_attempts": MAX_ATTEMPTS}


@login_required
def import_progress(request, pk):
    job = _own_job(request, pk)
    # The fragment polls itself until the job has finished, then shows the result; a stalled
    # job says it is being started again (import_jobs_recover ends it either way).
    return render(request, "beneficiaries/_import_progress.html", _progress_context(job))


@login_required
def import_error_report(request, pk):
    job = _own_job(request, pk)
    if not job.error_report:
        raise Http404
    download_record(
        request=request,
        kind=DownloadKind.IMPORT_ERRORS,
        file_format="xlsx",
        description=_("Laporan kesalahan impor %(name)s") % {"name": job.original_name},
        row_count=error_report_rows(job),
        full_nik=True,
        region_code=data_region(request.user),
    )
    return FileResponse(job.error_report.open("rb"), as_attachment=True, filename=f"kesalahan-impor-{job.pk}.xlsx")


@login_required
def import_template(request):
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    template_xlsx(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename="templat-impor-kpm.xlsx")
