"""KUBE pages. Every KUBE is fetched through `Kube.objects.visible_to(request.user)`:
outside the user's scope it is a 404, never a 403 that would confirm it exists.
Views parse with a form, call a service from `groups.services`, and redirect.
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, OuterRef, Subquery, Sum, Value, When
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaries.models import Household, head_of
from groups import exporting, services
from groups.filters import KubeFilter
from groups.forms import (
    GrantForm,
    HouseholdSearchForm,
    KubeForm,
    KurForm,
    MembershipAddForm,
    MembershipEndForm,
    MembershipRoleForm,
    ReportForm,
    TransitionForm,
    default_report_month,
)
from groups.history import kube_history
from groups.models import OCCUPYING_STATUSES, Kube, MemberRole, Membership, Status
from groups.permissions import (
    TRANSITIONS,
    available_transitions,
    can_edit_kube,
    can_report_business,
    can_take_transition,
    statuses_awaiting,
)
from kube_portal.concurrency import StaleEdit
from kube_portal.db_router import reads_from_replica
from kube_portal.forms import add_service_errors
from kube_portal.paging import ListPaginator
from regions.models import Region

KUBE_PER_PAGE = 25
# Officers first, in the order of the Permensos: ketua, sekretaris, bendahara, then anggota.
ROLE_ORDER = Case(
    *(When(role=role, then=Value(index)) for index, role in enumerate(MemberRole.values)), default=Value(9)
)
SEARCH_RESULTS = 20


def _kube(request, pk, *, related=("program", "business_field", "kecamatan__parent")) -> Kube:
    return get_object_or_404(Kube.objects.visible_to(request.user).select_related(*related), pk=pk)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _awaiting(user):
    """What waits for this user's action (the review queue)."""
    return Kube.objects.visible_to(user).with_status(*statuses_awaiting(user))


def _problem_messages(kube) -> list[str]:
    return [message for problem in services.proposal_problems(kube) for message in problem.messages]


# --- List, queue, detail ----------------------------------------------------------------------


def _kube_filter(request) -> KubeFilter:
    """The list's filters over the user's KUBE (the page and its export)."""
    return KubeFilter(request.GET or None, queryset=Kube.objects.visible_to(request.user), request=request)


@login_required
def kube_list(request):
    filters = _kube_filter(request)
    page = ListPaginator(filters.qs.for_list(), KUBE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "groups/kube_list.html",
        {
            "form": filters.form,
            "page": page,
            "query_string": filters.query_string,
            "filtered": filters.filtered,
            "can_create": can_edit_kube(request.user),
            "awaiting_count": _awaiting(request.user).count(),
            "export_formats": [("xlsx", "XLSX"), ("csv", "CSV")],
        },
    )


@login_required
@require_GET
@reads_from_replica
def kube_export(request):
    """The filtered list as CSV (streamed) or XLSX, same filters and scope as the page."""
    kubes = _kube_filter(request).qs
    stamp = timezone.localdate().strftime("%Y%m%d")
    if request.GET.get("format") == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        exporting.write_xlsx(kubes, handle)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=f"kube-{stamp}.xlsx")
    response = StreamingHttpResponse(exporting.csv_lines(kubes), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kube-{stamp}.csv"'
    return response


@login_required
def kube_queue(request):
    """Menunggu tindakan Anda: the KUBE whose next step is this user's."""
    kubes = _awaiting(request.user).for_list().order_by("status_changed_at", "id")
    page = ListPaginator(kubes, KUBE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "groups/kube_queue.html", {"page": page})


@login_required
def kube_detail(request, pk):
    kube = _kube(request, pk, related=("program", "business_field", "kecamatan__parent", "secretariat_village"))
    memberships = (
        kube.memberships.select_related("household__village")
        .annotate(head_name=head_of("household"), role_order=ROLE_ORDER)
        .order_by("left_on", "role_order", "id")
    )
    current = [m for m in memberships if m.left_on is None]
    former = [m for m in memberships if m.left_on is not None]
    grants = list(kube.grants.order_by("disbursed_on", "id"))
    grant_total = sum(grant.amount for grant in grants)
    reports = list(kube.reports.order_by("month"))
    chart = {
        "labels": [f"{report.month:%Y-%m}" for report in reports],
        "revenue": [report.revenue for report in reports],
        "profit": [report.profit for report in reports],
        "savings": [report.group_savings for report in reports],
    }
    user = request.user
    return render(
        request,
        "groups/kube_detail.html",
        {
            "kube": kube,
            "current_members": current,
            "former_members": former,
            "status_changes": kube.status_changes.select_related("actor"),
            "maturity_periods": kube.maturity_periods.order_by("-started_on", "-id")[:36],
            "grants": grants,
            "grant_total": grant_total,
            "program_amount": kube.program_grant_amount(),
            "reports": reports,
            "chart": chart,
            "transitions": available_transitions(user, kube),
            "can_edit": can_edit_kube(user) and kube.is_editable,
            "can_edit_members": can_edit_kube(user) and kube.members_editable,
            "can_record_grant": can_edit_kube(user)
            and kube.status in (Status.DITETAPKAN, Status.AKTIF, Status.NONAKTIF),
            "can_report": can_report_business(user) and kube.status in (Status.AKTIF, Status.NONAKTIF),
            "can_classify": can_edit_kube(user) and kube.status == Status.AKTIF,
            "can_refer_kur": can_edit_kube(user) and (kube.can_refer_to_kur or bool(kube.kur_status)),
            "role_form": MembershipRoleForm(),
            "proposal_problems": _problem_messages(kube) if kube.status in (Status.DRAFT, Status.DIKEMBALIKAN) else [],
            "history": kube_history(kube).page(request),
        },
    )


def household_memberships_panel(request, household) -> str:
    """The KUBE memberships on the household page (registered in `beneficiaries.panels` by GroupsConfig)."""
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(household=household)
        .select_related("kube")
        .order_by("-joined_on")
    )
    return render_to_string("groups/_household_memberships.html", {"memberships": memberships}, request=request)


# --- Create and edit ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def kube_create(request):
    _require(can_edit_kube(request.user))
    form = KubeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            kube = services.kube_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("KUBE %(name)s dibuat sebagai draf.") % {"name": kube.name})
            return redirect("groups:kube_detail", pk=kube.pk)
    return render(request, "groups/kube_form.html", {"form": form, "kube": None})


@login_required
@require_http_methods(["GET", "POST"])
def kube_edit(request, pk):
    kube = _kube(request, pk)
    _require(can_edit_kube(request.user))
    form = KubeForm(request.POST or None, instance=kube, user=request.user, version=kube.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.kube_update(
                kube=kube, user=request.user, data=form.cleaned_data, version=form.cleaned_data["version"]
            )
        except StaleEdit as error:
            form.show_stale(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Data KUBE disimpan."))
            return redirect("groups:kube_detail", pk=kube.pk)
    return render(request, "groups/kube_form.html", {"form": form, "kube": kube})


@login_required
@require_GET
def village_options(request):
    """The `<option>`s of the villages of one kecamatan in the user's scope (htmx)."""
    villages = (
        Region.objects.visible_to(request.user)
        .current()
        .villages()
        .filter(parent_id=request.GET.get("kecamatan", ""))
        .order_by("code")
    )
    return render(request, "groups/partials/village_options.html", {"villages": villages})


# --- Lifecycle ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def kube_transition(request, pk, action):
    kube = _kube(request, pk)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    _require(can_take_transition(request.user, transition, kube.status))
    form = TransitionForm(request.POST or None, comment_required=transition.comment_required)
    if request.method == "POST" and form.is_valid():
        try:
            services.kube_transition(kube=kube, user=request.user, action=action, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            kube.refresh_from_db(fields=["status"])
            messages.success(request, _("Status KUBE kini %(status)s.") % {"status": kube.get_status_display()})
            return redirect("groups:kube_detail", pk=kube.pk)
    problems = _problem_messages(kube) if action == "usulkan" and request.method == "GET" else []
    return render(
        request,
        "groups/kube_transition.html",
        {"kube": kube, "transition": transition, "form": form, "problems": problems},
    )


# --- Membership -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request, pk):
    kube = _kube(request, pk)
    _require(can_edit_kube(request.user))
    search = HouseholdSearchForm(request.GET or None)
    form = MembershipAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = get_object_or_404(Household.objects.visible_to(request.user), pk=form.cleaned_data["household"])
        try:
            services.membership_add(
                kube=kube,
                user=request.user,
                household=household,
                role=form.cleaned_data["role"],
                joined_on=form.cleaned_data["joined_on"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Keluarga %(no_kk)s ditambahkan.") % {"no_kk": household.no_kk})
            return redirect("groups:kube_detail", pk=kube.pk)
    results = []
    if search.is_valid() and search.cleaned_data["q"]:
        # The registry within the user's scope, narrowed to the KUBE's kecamatan.
        occupied = Membership.objects.current().filter(
            household=OuterRef("pk"), kube__status__in=[*OCCUPYING_STATUSES, Status.DRAFT, Status.DIKEMBALIKAN]
        )
        results = (
            Household.objects.visible_to(request.user)
            .active()
            .filter(region_code__startswith=kube.region_code + ".")
            .search(search.cleaned_data["q"])
            .with_head()
            .annotate(kube_number=Subquery(occupied.values("kube__registration_number")[:1]))
            .select_related("village")
            .order_by("no_kk")[:SEARCH_RESULTS]
        )
    return render(
        request,
        "groups/membership_add.html",
        {"kube": kube, "search": search, "results": results, "form": MembershipAddForm()},
    )


def _membership(request, pk, membership_id) -> tuple[Kube, Membership]:
    kube = _kube(request, pk)
    membership = get_object_or_404(kube.memberships.select_related("household"), pk=membership_id)
    return kube, membership


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request, pk, membership_id):
    kube, membership = _membership(request, pk, membership_id)
    _require(can_edit_kube(request.user))
    form = MembershipEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        replacement = None
        no_kk = form.cleaned_data["replacement_no_kk"]
        if no_kk:
            replacement = Household.objects.visible_to(request.user).filter(no_kk=no_kk).first()
            if replacement is None:
                form.add_error("replacement_no_kk", _("No. KK tidak ditemukan di wilayah Anda."))
        if not form.errors:
            try:
                services.membership_end(
                    membership=membership,
                    user=request.user,
                    left_on=form.cleaned_data["left_on"],
                    reason=form.cleaned_data["reason"],
                    replacement=replacement,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Keanggotaan diakhiri; riwayatnya tetap tersimpan."))
                return redirect("groups:kube_detail", pk=kube.pk)
    return render(request, "groups/membership_end.html", {"kube": kube, "membership": membership, "form": form})


@login_required
@require_POST
def membership_role(request, pk, membership_id):
    kube, membership = _membership(request, pk, membership_id)
    _require(can_edit_kube(request.user))
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_role(membership=membership, user=request.user, role=form.cleaned_data["role"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Jabatan diubah."))
    return redirect("groups:kube_detail", pk=kube.pk)


# --- Grants, reports, KUR ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grant_add(request, pk):
    kube = _kube(request, pk)
    _require(can_edit_kube(request.user))
    form = GrantForm(request.POST or None, initial={"amount": kube.program_grant_amount()})
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_record(kube=kube, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Penyaluran bantuan dicatat."))
            return redirect("groups:kube_detail", pk=kube.pk)
    total = kube.grants.aggregate(total=Sum("amount"))["total"] or 0
    return render(
        request,
        "groups/grant_form.html",
        {"kube": kube, "form": form, "grant_total": total, "program_amount": kube.program_grant_amount()},
    )


def _report_form_page(request, kube, report=None):
    _require(can_report_business(request.user))
    initial = ReportForm.initial_for(report) if report else {"month": default_report_month()}
    form = ReportForm(request.POST or None, kube=kube, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        month = data.pop("month")
        if report is None and kube.reports.filter(month=month).exists():
            form.add_error("month", _("Laporan bulan ini sudah ada; ubah laporan tersebut."))
        else:
            try:
                services.report_save(kube=kube, user=request.user, month=month, data=data, must_be_new=report is None)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Laporan usaha %(month)s disimpan.") % {"month": f"{month:%m/%Y}"})
                return redirect("groups:kube_detail", pk=kube.pk)
    return render(request, "groups/report_form.html", {"kube": kube, "form": form, "report": report})


@login_required
@require_http_methods(["GET", "POST"])
def report_add(request, pk):
    return _report_form_page(request, _kube(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk, report_id):
    kube = _kube(request, pk)
    report = get_object_or_404(kube.reports, pk=report_id)
    return _report_form_page(request, kube, report)


@login_required
@require_POST
def kube_classify(request, pk):
    kube = _kube(request, pk)
    _require(can_edit_kube(request.user))
    try:
        kube = services.kube_classify_maturity(kube=kube, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Tingkat kematangan: %(level)s.") % {"level": kube.get_maturity_level_display()})
    return redirect("groups:kube_detail", pk=kube.pk)


@login_required
@require_http_methods(["GET", "POST"])
def kur_refer(request, pk):
    kube = _kube(request, pk)
    _require(can_edit_kube(request.user))
    initial = {"bank": kube.kur_bank, "amount": kube.kur_amount, "status": kube.kur_status or "dirujuk"}
    form = KurForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.kube_refer_to_kur(kube=kube, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Rujukan KUR disimpan."))
            return redirect("groups:kube_detail", pk=kube.pk)
    return render(request, "groups/kur_form.html", {"kube": kube, "form": form})
