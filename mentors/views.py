"""Mentor pages. Every object is fetched through `X.objects.visible_to(request.user)`:
outside the user's scope it is a 404, never a 403 that would confirm it exists.
Views parse with a form, call a service from `mentors.services`, and redirect.
"""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, OuterRef, Prefetch, Subquery, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.downloads import download_record
from accounts.models import DownloadKind
from beneficiaries.models import head_of
from groups.forms import default_report_month
from groups.models import OFFICER_ROLES, Kube, Membership
from groups.permissions import can_report_business
from kube_portal.concurrency import StaleEdit
from kube_portal.dates import month_start
from kube_portal.db_router import reads_from_replica
from kube_portal.forms import add_service_errors
from kube_portal.paging import ListPaginator
from kube_portal.spreadsheets import XLSX_CONTENT_TYPE
from mentors import reports, selectors, services
from mentors.filters import AssignmentFilter, ComplianceFilter, MentorFilter, TrainingBatchFilter, VisitFilter
from mentors.forms import (
    AssignForm,
    AssignmentEndForm,
    MentorCreateForm,
    MentorForm,
    ParticipationForm,
    ResubmitForm,
    ReturnForm,
    TrainingBatchForm,
    VisitForm,
)
from mentors.history import mentor_history
from mentors.models import (
    Assignment,
    FieldVisit,
    Mentor,
    MentorSettings,
    TrainingBatch,
    TrainingParticipation,
    VisitPhoto,
    VisitStatus,
)
from regions.models import Region

PER_PAGE = 25


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _officer(request) -> None:
    """Registry and compliance pages are for the offices; a mentor has their own pages."""
    _require(not request.user.is_mentor)


# --- Registry -----------------------------------------------------------------------------------


@login_required
def mentor_list(request):
    _officer(request)
    filters = MentorFilter(request.GET or None, queryset=Mentor.objects.visible_to(request.user), request=request)
    mentors = filters.qs.select_related("work_area", "user").with_caseload().order_by("name", "id")
    page = ListPaginator(mentors, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentors/mentor_list.html",
        {
            "form": filters.form,
            "page": page,
            "query_string": filters.query_string,
            "filtered": filters.filtered,
            "can_manage": services.can_manage_mentors(request.user),
            "settings": MentorSettings.objects.current(),
        },
    )


@login_required
def mentor_detail(request, pk):
    mentor = get_object_or_404(Mentor.objects.visible_to(request.user).select_related("work_area", "user"), pk=pk)
    _officer(request)
    assignments = list(
        Assignment.objects.visible_to(request.user)
        .filter(mentor=mentor)
        .select_related("kube", "ended_by")
        .order_by("ended_on", "-started_on")
    )
    current_ids = [a.kube_id for a in assignments if a.is_active]
    current_kube = selectors.with_visit_clock(Kube.objects.filter(pk__in=current_ids)).order_by("name")
    months = [month_start(timezone.localdate(), -n) for n in range(12)]
    return render(
        request,
        "mentors/mentor_detail.html",
        {
            "mentor": mentor,
            "current_kube": current_kube,
            "history": [a for a in assignments if not a.is_active],
            "participations": mentor.participations.select_related("batch").order_by("-batch__start_date"),
            "visits": FieldVisit.objects.visible_to(request.user).filter(mentor=mentor).for_list()[:10],
            "cap": MentorSettings.objects.current().caseload_cap,
            "can_manage": services.can_manage_mentors(request.user),
            "report_months": months,
            "audit": mentor_history(mentor).page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_create(request):
    _require(services.can_manage_mentors(request.user))
    form = MentorCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mentor = services.mentor_create(
                user=request.user, data=data, username=data["username"], password=data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Pendamping %(name)s terdaftar dengan akun %(username)s.")
                % {"name": mentor.name, "username": mentor.user.username},
            )
            return redirect("mentors:mentor_detail", pk=mentor.pk)
    return render(request, "mentors/mentor_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mentor_edit(request, pk):
    mentor = get_object_or_404(Mentor.objects.visible_to(request.user), pk=pk)
    _require(services.can_manage_mentors(request.user))
    form = MentorForm(request.POST or None, user=request.user, mentor=mentor)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_update(
                user=request.user, mentor=mentor, data=form.cleaned_data, version=form.cleaned_data["version"]
            )
        except StaleEdit as error:
            form.show_stale(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Data pendamping disimpan."))
            return redirect("mentors:mentor_detail", pk=mentor.pk)
    return render(request, "mentors/mentor_form.html", {"form": form, "mentor": mentor})


# --- Training -----------------------------------------------------------------------------------


@login_required
def batch_list(request):
    filters = TrainingBatchFilter(
        request.GET or None, queryset=TrainingBatch.objects.visible_to(request.user), request=request
    )
    participants = TrainingParticipation.objects.visible_to(request.user).filter(batch=OuterRef("pk"))
    batches = filters.qs.order_by("-start_date", "-id").annotate(
        participant_count=Coalesce(Subquery(participants.values("batch").annotate(n=Count("pk")).values("n")[:1]), 0)
    )
    page = Paginator(batches, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentors/batch_list.html",
        {
            "page": page,
            "form": filters.form,
            "query_string": filters.query_string,
            "filtered": filters.filtered,
            "can_manage": services.can_manage_training(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request):
    _require(services.can_manage_training(request.user))
    form = TrainingBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.training_batch_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Angkatan pelatihan dibuat."))
            return redirect("mentors:batch_detail", pk=batch.pk)
    return render(request, "mentors/batch_form.html", {"form": form})


@login_required
def batch_detail(request, pk):
    batch = get_object_or_404(TrainingBatch.objects.visible_to(request.user), pk=pk)
    participations = list(
        TrainingParticipation.objects.visible_to(request.user)
        .filter(batch=batch)
        .select_related("mentor__work_area")
        .order_by("mentor__region_code", "mentor__name")
    )
    codes = {p.mentor.region_code[:2] for p in participations}
    provinces = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    tree: dict[str, dict] = {}
    for participation in participations:
        province = participation.mentor.region_code[:2]
        node = tree.setdefault(province, {"name": provinces.get(province, province), "total": 0, "areas": {}})
        node["total"] += 1
        area = node["areas"].setdefault(
            participation.mentor.region_code, {"name": participation.mentor.work_area.name, "people": []}
        )
        area["people"].append(participation)
    groups = [
        {**node, "code": code, "areas": [dict(a, code=c) for c, a in sorted(node["areas"].items())]}
        for code, node in sorted(tree.items())
    ]
    can_manage = services.can_manage_training(request.user)
    return render(
        request,
        "mentors/batch_detail.html",
        {
            "batch": batch,
            "groups": groups,
            "total": len(participations),
            "area_count": len({p.mentor.region_code for p in participations}),
            "attended": sum(1 for p in participations if p.attended),
            "form": ParticipationForm(user=request.user) if can_manage else None,
        },
    )


@login_required
@require_POST
def participant_add(request, pk):
    batch = get_object_or_404(TrainingBatch.objects.visible_to(request.user), pk=pk)
    _require(services.can_manage_training(request.user))
    form = ParticipationForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        services.participation_save(
            user=request.user, batch=batch, mentor=data["mentor"], attended=data["attended"], result=data["result"]
        )
        messages.success(request, _("Peserta %(name)s disimpan.") % {"name": data["mentor"].name})
    else:
        messages.error(request, _("Pilih pendamping dan hasil pelatihan."))
    return redirect("mentors:batch_detail", pk=batch.pk)


# --- Assignments --------------------------------------------------------------------------------


@login_required
def assignment_list(request):
    """KUBE that can have a mentor, with their current mentor and last visit; unassigned first."""
    _officer(request)
    kubes = selectors.with_visit_clock(
        Kube.objects.visible_to(request.user).filter(status__in=services.ASSIGNABLE_STATUSES)
    ).select_related("kecamatan")
    filters = AssignmentFilter(request.GET or None, queryset=kubes, request=request)
    page = Paginator(filters.qs.order_by("mentor_name", "name", "id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentors/assignment_list.html",
        {"page": page, "show": filters.value("tampil", ""), "query_string": filters.query_string},
    )


@login_required
@require_http_methods(["GET", "POST"])
def kube_assign(request, kube_pk):
    kube = get_object_or_404(Kube.objects.visible_to(request.user).select_related("kecamatan"), pk=kube_pk)
    _require(services.can_manage_mentors(request.user))
    current = Assignment.objects.filter(kube=kube, ended_on__isnull=True).first()
    form = AssignForm(request.POST or None, user=request.user, kube=kube, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(
                user=request.user,
                mentor=form.cleaned_data["mentor"],
                kube=kube,
                started_on=form.cleaned_data["started_on"],
                seen=form.seen(),
            )
        except StaleEdit as error:
            form.show_stale(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(mentor)s ditugaskan mendampingi %(kube)s.") % {"mentor": assignment.mentor, "kube": kube.name},
            )
            return redirect("mentors:kube_assign", kube_pk=kube.pk)
    history = (
        Assignment.objects.visible_to(request.user)
        .filter(kube=kube)
        .select_related("mentor", "created_by", "ended_by")
        .order_by("-started_on", "-id")
    )
    return render(
        request,
        "mentors/kube_assign.html",
        {"kube": kube, "form": form, "history": history, "cap": MentorSettings.objects.current().caseload_cap},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_end(request, pk):
    assignment = get_object_or_404(Assignment.objects.visible_to(request.user).select_related("mentor", "kube"), pk=pk)
    _require(services.can_manage_mentors(request.user))
    form = AssignmentEndForm(request.POST or None, version=assignment.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_end(
                user=request.user,
                assignment=assignment,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except StaleEdit as error:
            form.show_stale(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Penugasan diakhiri."))
            return redirect("mentors:mentor_detail", pk=assignment.mentor_id)
    return render(request, "mentors/assignment_end.html", {"assignment": assignment, "form": form})


# --- Field visits -------------------------------------------------------------------------------


@login_required
def visit_home(request):
    """The mentor's day: the outbox, visits to correct, KUBE by how long since the last visit (overdue
    first), business reports due and households to assess, each one tap from its form."""
    if not request.user.is_mentor:
        return redirect("mentors:visit_review")
    user = request.user
    today = timezone.localdate()
    report_month = default_report_month()
    visits = FieldVisit.objects.visible_to(user).exclude(status=VisitStatus.RETURNED).for_list()
    return render(
        request,
        "mentors/visit_home.html",
        {
            "kubes": selectors.my_kube(user),
            "returned": selectors.returned_visits(user),
            "reports_due": selectors.reports_due(user, month=report_month) if can_report_business(user) else [],
            "report_month": report_month,
            "to_assess": selectors.households_to_assess(user)[: selectors.MAX_ASSESSMENTS],
            "page": Paginator(visits, 10).get_page(request.GET.get("page")),
            "mentor": Mentor.objects.filter(user=user).first(),
            "this_month": month_start(today),
        },
    )


@login_required
def visit_start(request):
    """The KUBE picker of the visit form: on to the form of the chosen KUBE."""
    try:
        pk = int(request.GET.get("kube", ""))
    except ValueError:
        return redirect("mentors:visit_home")
    kube = get_object_or_404(Kube.objects.visible_to(request.user), pk=pk)
    return redirect("mentors:visit_create", kube_pk=kube.pk)


def _member_choices(kube: Kube) -> list[tuple[int, str]]:
    memberships = (
        Membership.objects.filter(kube=kube, left_on__isnull=True)
        .annotate(
            head_name=head_of("household"),
            rank=Case(*[When(role=role, then=i) for i, role in enumerate(OFFICER_ROLES)], default=len(OFFICER_ROLES)),
        )
        .order_by("rank", "id")
    )
    return [(m.household_id, f"{m.head_name or m.household_id} · {m.get_role_display()}") for m in memberships]


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, kube_pk):
    kube = get_object_or_404(
        selectors.with_visit_clock(Kube.objects.visible_to(request.user)).select_related("program"), pk=kube_pk
    )
    mentor = services.mentor_of(request.user)
    initial = {"client_uuid": uuid.uuid4(), "visited_on": timezone.localdate()}
    form = VisitForm(request.POST or None, initial=initial, members=_member_choices(kube))
    status = 200
    if request.method == "POST":
        photos = request.FILES.getlist("photos")
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit, created = services.visit_record(
                    user=request.user,
                    kube=kube,
                    client_uuid=data["client_uuid"],
                    visited_on=data["visited_on"],
                    topics=data["topics"],
                    members=data["members"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy_m=data["accuracy_m"],
                    located_at=data["located_at"],
                    notes=data["notes"],
                    problems=data["problems"],
                    follow_up=data["follow_up"],
                    next_plan=data["next_plan"],
                    photos=photos,
                    report=form.report(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                if hasattr(error, "error_dict") and "photos" in error.error_dict:
                    form.photo_errors = error.message_dict["photos"]
            else:
                if created:
                    messages.success(request, _("Kunjungan tersimpan dan dikirim untuk diverifikasi."))
                else:
                    messages.info(request, _("Kunjungan ini sudah tersimpan sebelumnya; tidak dicatat dua kali."))
                url = reverse("mentors:visit_detail", args=[visit.pk])
                if request.headers.get("X-Requested-With") == "fetch":
                    # The page's script navigates itself, so the message waits for the next page.
                    return JsonResponse({"url": url, "created": created})
                return redirect(url)
        status = 400
    return render(
        request,
        "mentors/visit_form.html",
        {
            "kube": kube,
            "mentor": mentor,
            "form": form,
            "my_kube": selectors.my_kube(request.user).values("pk", "name"),
            "max_photos": MentorSettings.objects.current().max_photos,
            "photo_errors": [str(e) for e in getattr(form, "photo_errors", [])],
        },
        status=status,
    )


def _visit(request, pk) -> FieldVisit:
    return get_object_or_404(
        FieldVisit.objects.visible_to(request.user).select_related(
            "kube__kecamatan", "mentor", "reviewed_by", "business_report"
        ),
        pk=pk,
    )


@login_required
def visit_detail(request, pk):
    visit = _visit(request, pk)
    present = visit.members_present.order_by("no_kk")
    user = request.user
    reviewable = services.can_manage_mentors(user) and visit.status == VisitStatus.SUBMITTED
    is_own = user.is_mentor and visit.mentor.user_id == user.pk
    return render(
        request,
        "mentors/visit_detail.html",
        {
            "visit": visit,
            "present": present,
            "photos": visit.photos.all(),
            "reviewable": reviewable,
            "return_form": ReturnForm() if reviewable else None,
            "can_resubmit": is_own and visit.status == VisitStatus.RETURNED,
        },
    )


@login_required
def visit_photo(request, pk, photo_pk, size):
    """Photos are served through the visit's scope, never from a public media URL."""
    visit = _visit(request, pk)
    photo = get_object_or_404(VisitPhoto.objects.filter(visit=visit), pk=photo_pk)
    field = {"besar": photo.image, "kecil": photo.thumbnail}.get(size)
    if field is None or not field.name or not field.storage.exists(field.name):
        raise Http404
    if size == "besar":
        # Opening the full photo is a download of personal data; the thumbnails are part of the page.
        services.visit_photo_download_record(request=request, visit=visit)
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def visit_verify(request, pk):
    visit = _visit(request, pk)
    _require(services.can_manage_mentors(request.user))
    try:
        services.visit_verify(user=request.user, visit=visit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Kunjungan diverifikasi."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("mentors:visit_review")
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def visit_return(request, pk):
    visit = _visit(request, pk)
    _require(services.can_manage_mentors(request.user))
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_return(user=request.user, visit=visit, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Kunjungan dikembalikan ke pendamping."))
            return redirect("mentors:visit_review")
    return render(request, "mentors/visit_return.html", {"visit": visit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def visit_resubmit(request, pk):
    visit = _visit(request, pk)
    _require(request.user.is_mentor and visit.mentor.user_id == request.user.pk)
    form = ResubmitForm(
        request.POST or None,
        initial={
            "notes": visit.notes,
            "problems": visit.problems,
            "follow_up": visit.follow_up,
            "next_plan": visit.next_plan,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_resubmit(user=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Kunjungan diperbaiki dan dikirim ulang."))
            return redirect("mentors:visit_detail", pk=visit.pk)
    return render(request, "mentors/visit_resubmit.html", {"visit": visit, "form": form})


@login_required
def visit_review(request):
    """The district office's queue: submitted visits, oldest first; or all visits by status."""
    _officer(request)
    visits = FieldVisit.objects.visible_to(request.user).select_related("kube", "mentor")
    filters = VisitFilter(request.GET or None, queryset=visits, request=request)
    photos = VisitPhoto.objects.order_by("id")
    visits = filters.qs.prefetch_related(Prefetch("photos", queryset=photos))
    page = ListPaginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentors/visit_review.html",
        {
            "page": page,
            "status": filters.status_shown,
            "statuses": VisitStatus.choices,
            "query_string": filters.query_string,
            "can_review": services.can_manage_mentors(request.user),
        },
    )


# --- Compliance and reports ---------------------------------------------------------------------


@login_required
def compliance(request):
    _officer(request)
    filters = ComplianceFilter(request.GET or None, queryset=Kube.objects.visible_to(request.user), request=request)
    today, days, year = filters.today, filters.days, filters.year
    page = ListPaginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    months, per_month = selectors.visits_per_mentor_month(request.user, year=year)
    return render(
        request,
        "mentors/compliance.html",
        {
            "form": filters.form,
            "days": days,
            "show_all": filters.show_all,
            "year": year,
            "years": list(range(today.year - 3, today.year + 1)),
            "page": page,
            "by_mentor": selectors.overdue_by_mentor(request.user, today=today, days=days),
            "by_kabkota": selectors.overdue_by_kabkota(request.user, today=today, days=days),
            "months": months,
            "per_month": per_month,
            "query_string": filters.query_string,
        },
    )


@login_required
@reads_from_replica
def mentor_report(request, pk, year, month, fmt):
    mentor = get_object_or_404(Mentor.objects.visible_to(request.user).select_related("work_area"), pk=pk)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100 or fmt not in ("xlsx", "pdf"):
        raise Http404
    data = reports.monthly_report(user=request.user, mentor=mentor, month=datetime.date(year, month, 1))
    filename = f"laporan-pendamping-{mentor.pk}-{year}-{month:02d}.{fmt}"
    download_record(
        request=request,
        kind=DownloadKind.MENTOR_REPORT,
        file_format=fmt,
        description=_("Laporan bulanan %(name)s %(period)s") % {"name": mentor.name, "period": data.period},
        row_count=len(data.visits),
        full_nik=True,
        region_code=mentor.region_code,
    )
    if fmt == "xlsx":
        content = reports.as_xlsx(data)
        content_type = XLSX_CONTENT_TYPE
    else:
        content = reports.as_pdf(data)
        content_type = "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
