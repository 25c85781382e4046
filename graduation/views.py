from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaries.models import Household, head_of
from graduation import services
from graduation.filters import DecisionFilter, MonitoringFilter, PovertyLineFilter, ReadinessFilter
from graduation.forms import AssessmentForm, CriteriaForm, DecisionActionForm, ProposeForm
from graduation.models import (
    CriteriaSet,
    DecisionStatus,
    GraduationDecision,
    GraduationStatus,
    GraduationStatusChange,
    HouseholdAssessment,
    PovertyLine,
    RecomputeRun,
)
from graduation.poverty_lines import HEADERS, poverty_lines_import
from graduation.recompute import is_busy, run_stalled
from graduation.tasks import enqueue_recompute
from kube_portal.concurrency import StaleEdit
from kube_portal.paging import ListPaginator
from kube_portal.queue import TRY_AGAIN_LATER, QueueUnavailable

MAX_UPLOAD_BYTES = 1024 * 1024
PAGE_SIZE = 50


class PovertyLineUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas CSV"),
        help_text=gettext_lazy("Satu baris per garis kemiskinan, dengan kolom di atas."),
    )

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
    filters = PovertyLineFilter(request.GET or None, queryset=PovertyLine.objects.all(), request=request)
    lines = filters.qs.select_related("province").order_by("province_id", "area", "-period")
    return render(
        request,
        "graduation/poverty_line_list.html",
        {
            "lines": lines,
            "filter_form": filters.form,
            "filtered": filters.filtered,
            "form": form,
            "errors": errors,
            "can_load": can_load,
            "headers": HEADERS,
        },
    )


# --- Household readiness ----------------------------------------------------------------------


def _household(request, household_id: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(request.user).with_head(), pk=household_id)


def _show_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def household_readiness_panel(request, household) -> str:
    """The readiness summary on the household page (registered in `beneficiaries.panels` by GraduationConfig)."""
    return render_to_string("graduation/_readiness_card.html", {"household": household}, request=request)


@login_required
def household_readiness(request, household_id: int):
    """A household's readiness: every criterion against its threshold, the history, assessments and decisions."""
    household = _household(request, household_id)
    status = GraduationStatus.objects.filter(household=household).select_related("criteria", "run").first()
    decisions = GraduationDecision.objects.filter(household=household).select_related(
        "proposed_by", "verified_by", "decided_by"
    )
    user = request.user
    return render(
        request,
        "graduation/household_readiness.html",
        {
            "household": household,
            "status": status,
            "changes": GraduationStatusChange.objects.filter(household=household)[:50],
            "assessments": HouseholdAssessment.objects.filter(household=household).select_related("assessor")[:50],
            "decisions": decisions,
            "open_decision": next((d for d in decisions if d.is_open), None),
            "relapse": next((d for d in decisions if d.relapse_on), None),
            "can_assess": services.can_assess_household(user),
            "can_propose": services.can_propose_graduation(user) and household.is_active,
        },
    )


@login_required
def assessment_create(request, household_id: int):
    household = _household(request, household_id)
    if not services.can_assess_household(request.user):
        raise PermissionDenied
    form = AssessmentForm(
        request.POST or None, initial={"assessed_on": timezone.localdate()}, user=request.user, household=household
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(user=request.user, household=household, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(request, error)
        else:
            messages.success(request, _("Asesmen dicatat dan kesiapan graduasi keluarga ini sudah dihitung ulang."))
            return redirect("graduation:household_readiness", household_id=household.pk)
    return render(request, "graduation/assessment_form.html", {"household": household, "form": form})


@login_required
def decision_propose(request, household_id: int):
    household = _household(request, household_id)
    if not services.can_propose_graduation(request.user):
        raise PermissionDenied
    form = ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.graduation_propose(user=request.user, household=household, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(request, error)
        else:
            messages.success(request, _("Usulan graduasi dikirim ke dinas sosial kabupaten/kota."))
            return redirect("graduation:household_readiness", household_id=household.pk)
    status = GraduationStatus.objects.filter(household=household).first()
    return render(request, "graduation/decision_propose.html", {"household": household, "form": form, "status": status})


# --- Lists ------------------------------------------------------------------------------------


def _status_list(request, statuses, *, title: str, intro: str, filters: ReadinessFilter | None = None):
    rows = (
        statuses.select_related("household__village")
        .annotate(head_name=head_of("household_id"))
        .order_by("region_code", "household_id")
    )
    page = ListPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "graduation/status_list.html",
        {
            "page": page,
            "title": title,
            "intro": intro,
            "form": filters.form if filters else None,
            "query_string": filters.query_string if filters else "",
        },
    )


@login_required
def readiness_list(request):
    """Every active household's readiness, filterable by state, "perlu asesmen" and alamiah."""
    statuses = GraduationStatus.objects.visible_to(request.user).filter(household__is_active=True)
    filters = ReadinessFilter(request.GET or None, queryset=statuses, request=request)
    return _status_list(
        request,
        filters.qs,
        title=_("Kesiapan graduasi KPM"),
        intro=_("Hasil perhitungan terakhir untuk setiap keluarga aktif: siap, menuju atau belum."),
        filters=filters,
    )


@login_required
def siap_list(request):
    return _status_list(
        request,
        GraduationStatus.objects.visible_to(request.user).siap(),
        title=_("KPM siap graduasi"),
        intro=_("Keluarga aktif yang memenuhi semua kriteria yang dihitung pada proses terakhir."),
    )


@login_required
def alamiah_list(request):
    return _status_list(
        request,
        GraduationStatus.objects.visible_to(request.user).alamiah(),
        title=_("Calon graduasi alamiah"),
        intro=_("Keluarga aktif yang tidak lagi memiliki anggota yang membuatnya layak PKH."),
    )


@login_required
def decision_queue(request):
    """What waits for this user: the district office verifies and decides; a mentor follows their proposals."""
    decisions = GraduationDecision.objects.visible_to(request.user)
    if request.user.is_mentor:
        decisions = decisions.filter(proposed_by=request.user)
    filters = DecisionFilter(request.GET or None, queryset=decisions, request=request)
    rows = filters.qs.select_related("household__village", "proposed_by").annotate(head_name=head_of("household_id"))
    page = ListPaginator(rows.order_by("proposed_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "graduation/decision_queue.html",
        {
            "page": page,
            "status": filters.status_shown,
            "statuses": DecisionStatus.choices,
            "can_decide": services.can_decide_graduation(request.user),
            "query_string": f"status={filters.status_shown}",
        },
    )


@login_required
def decision_detail(request, pk: int):
    decision = get_object_or_404(
        GraduationDecision.objects.visible_to(request.user).select_related("household", "proposed_by"), pk=pk
    )
    form = DecisionActionForm(request.POST or None)
    if request.method == "POST":
        if not services.can_decide_graduation(request.user):
            raise PermissionDenied
        if form.is_valid():
            action, note = form.cleaned_data["action"], form.cleaned_data["note"]
            try:
                if action == "verify":
                    services.graduation_verify(user=request.user, decision=decision, note=note)
                elif action == "decide":
                    services.graduation_decide(user=request.user, decision=decision, kind=form.cleaned_data["kind"])
                else:
                    services.graduation_reject(user=request.user, decision=decision, reason=note)
            except ValidationError as error:
                _show_errors(request, error)
            else:
                messages.success(request, _("Keputusan graduasi disimpan."))
                return redirect("graduation:decision_detail", pk=decision.pk)
    status = GraduationStatus.objects.filter(household=decision.household).first()
    return render(
        request,
        "graduation/decision_detail.html",
        {
            "decision": decision,
            "form": form,
            "status": status,
            "can_decide": services.can_decide_graduation(request.user),
        },
    )


@login_required
def monitoring_list(request):
    """Graduated households in their 12 months of monitoring; relapses first."""
    decisions = (
        GraduationDecision.objects.visible_to(request.user)
        .filter(status=DecisionStatus.DECIDED)
        .select_related("household__village", "relapse_assessment")
        .annotate(head_name=head_of("household_id"))
    )
    filters = MonitoringFilter(request.GET or None, queryset=decisions, request=request)
    page = ListPaginator(filters.qs.order_by("relapse_on", "-decided_on", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "graduation/monitoring_list.html",
        {"page": page, "relapsed_only": bool(filters.value("kambuh")), "query_string": filters.query_string},
    )


# --- Administration ---------------------------------------------------------------------------


def _require_admin(request) -> None:
    if not request.user.is_national:
        raise PermissionDenied


@login_required
def run_list(request):
    _require_admin(request)
    runs = RecomputeRun.objects.select_related("criteria", "triggered_by")[:30]
    latest = runs[0] if runs else None
    return render(request, "graduation/run_list.html", {"runs": runs, "latest": latest, "stalled": run_stalled(latest)})


@login_required
@require_POST
def run_now(request):
    _require_admin(request)
    if is_busy():
        messages.warning(request, _("Proses graduasi lain sedang berjalan; tunggu sampai selesai."))
        return redirect("graduation:run_list")
    try:
        enqueue_recompute(user_id=request.user.pk)
    except QueueUnavailable:
        messages.error(request, TRY_AGAIN_LATER)
    else:
        messages.success(request, _("Proses graduasi dimulai."))
    return redirect("graduation:run_list")


@login_required
def run_progress(request):
    """The latest run's progress bar (polled by htmx while it runs)."""
    _require_admin(request)
    latest = RecomputeRun.objects.select_related("criteria").first()
    return render(request, "graduation/_run_progress.html", {"latest": latest, "stalled": run_stalled(latest)})


@login_required
def criteria_list(request):
    """The criteria versions; administrators save a new version (the old ones stay with their results)."""
    active = CriteriaSet.objects.active()
    form = None
    if request.user.is_national:
        form = CriteriaForm(
            request.POST or None,
            instance=CriteriaSet(**{f: getattr(active, f) for f in CriteriaForm.Meta.fields}),
            version=active.version,
        )
        if request.method == "POST" and form.is_valid():
            try:
                version = services.criteria_revise(
                    user=request.user,
                    data={name: form.cleaned_data[name] for name in services.CRITERIA_FIELDS},
                    note=form.cleaned_data["note"],
                    version=form.cleaned_data["version"],
                )
            except StaleEdit as error:
                form.show_stale(error)
                active = error.current
            else:
                messages.success(request, _("Kriteria versi %(version)s berlaku.") % {"version": version.version})
                return redirect("graduation:criteria_list")
    elif request.method == "POST":
        raise PermissionDenied
    versions = CriteriaSet.objects.select_related("created_by")[:50]
    return render(request, "graduation/criteria_list.html", {"active": active, "versions": versions, "form": form})
