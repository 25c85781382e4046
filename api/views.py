"""The API's resources: each reads through `visible_to(user)` and the page's FilterSet, and writes
through the app's service (the same rules, permissions and audit trail as the pages)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.downloads import data_region, download_record
from accounts.models import DownloadChannel, DownloadKind
from api import serializers as s
from api.base import IdempotentCreateMixin, ScopedViewSet
from api.errors import error_body
from api.filters import FieldVisitFilter
from api.sync import SYNC_PARAMETERS, SyncCursorPagination
from beneficiaries.filters import HouseholdFilter, ImportJobFilter
from beneficiaries.forms import ImportForm
from beneficiaries.import_jobs import error_report_rows, import_job_start
from beneficiaries.models import Household, ImportJob, Member
from beneficiaries.services import MemberChange, household_create, household_deactivate, household_update
from dashboards.models import AreaFigures, AreaMonth
from dashboards.selectors import default_month, national_area, region_area
from graduation import services as graduation_services
from graduation.filters import DecisionFilter, ReadinessFilter
from graduation.models import GraduationDecision, GraduationStatus, HouseholdAssessment
from groups import services as group_services
from groups.filters import KubeFilter
from groups.models import BusinessReport, Grant, Kube, Membership, Status
from kube_portal.dates import month_start
from kube_portal.queue import TRY_AGAIN_LATER, QueueUnavailable
from mentors import services as mentor_services
from mentors.filters import MentorFilter, TrainingBatchFilter
from mentors.models import Assignment, FieldVisit, Mentor, TrainingBatch, VisitPhoto
from regions.filters import RegionFilter
from regions.models import Region

LIST = extend_schema(parameters=SYNC_PARAMETERS)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MeView(APIView):
    """The caller: login, role, mentor record, language, scope."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user, context={"request": request}).data)


# --- Regions -------------------------------------------------------------------------------------


class CodeOrderedPagination(SyncCursorPagination):
    ordering = "code"


class HouseholdOrderedPagination(SyncCursorPagination):
    ordering = "household_id"  # one readiness row per household, keyed by it


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Regions in the caller's scope (reference data: no change times, so no `updated_since`)."""

    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    filterset_class = RegionFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = CodeOrderedPagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?"


# --- Households ----------------------------------------------------------------------------------


def _member_changes(members: list[dict], *, household: Household | None = None) -> list[MemberChange]:
    """The API sends the whole member list: listed ids are kept (and updated), unlisted ones removed."""
    changes = [MemberChange(data={k: v for k, v in m.items() if k != "id"}, id=m.get("id")) for m in members]
    if household is not None:
        listed = {change.id for change in changes}
        changes += [
            MemberChange(data={}, id=pk, delete=True)
            for pk in household.members.values_list("pk", flat=True)
            if pk not in listed
        ]
    return changes


def _household_data(data: dict) -> dict:
    values = {k: v for k, v in data.items() if k not in ("members", "version", "village")}
    values["village_id"] = data["village"]
    return values


@extend_schema_view(list=LIST)
class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """KPM households with their members. Every read of this personal data is recorded (UU PDP)."""

    queryset = Household.objects.all()
    serializer_class = s.HouseholdSerializer
    write_serializer_class = s.HouseholdWriteSerializer
    filterset_class = HouseholdFilter
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        members = Prefetch("members", queryset=Member.objects.order_by("id"))
        return Household.objects.visible_to(self.request.user).prefetch_related(members)

    def deleted_q(self, since):
        return Q(is_active=False, deactivated_at__gte=since)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        self._record(request, len(response.data["results"]))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        self._record(request, 1)
        return response

    def _record(self, request, rows: int) -> None:
        download_record(
            request=request,
            kind=DownloadKind.KPM_EXPORT,
            file_format="json",
            description=_("API: data KPM"),
            filters={k: v for k, v in request.query_params.items() if k != "cursor"},
            row_count=rows,
            full_nik=True,
            region_code=request.user.scope.region,
            channel=DownloadChannel.API,
        )

    @extend_schema(request=s.HouseholdWriteSerializer, responses={201: s.HouseholdSerializer})
    def create(self, request, *args, **kwargs):
        data = self._valid(request)
        household = household_create(
            user=request.user, data=_household_data(data), members=_member_changes(data["members"])
        )
        return self.answer(self.get_queryset().get(pk=household.pk), created=True)

    @extend_schema(request=s.HouseholdWriteSerializer, responses={200: s.HouseholdSerializer})
    def update(self, request, *args, **kwargs):
        household = self.get_object()
        data = self._valid(request)
        household_update(
            user=request.user,
            household=household,
            data=_household_data(data),
            members=_member_changes(data["members"], household=household),
            version=data.get("version"),
        )
        return self.answer(self.get_queryset().get(pk=household.pk), created=False)

    def _valid(self, request) -> dict:
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=s.HouseholdDeactivateSerializer, responses={200: s.HouseholdSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        household = self.get_object()
        serializer = s.HouseholdDeactivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household_deactivate(user=request.user, household=household, **serializer.validated_data)
        return self.answer(self.get_queryset().get(pk=household.pk), created=False)


# --- KUBE ----------------------------------------------------------------------------------------

#: The API's lifecycle actions -> the pages' transitions (groups.permissions.TRANSITIONS).
KUBE_ACTIONS = {
    "propose": "usulkan",
    "recommend": "rekomendasikan",
    "approve": "tetapkan",
    "return": "kembalikan",
    "activate": "aktifkan-kembali",
    "deactivate": "nonaktifkan",
    "dissolve": "bubarkan",
    "redraft": "jadikan-draf",
}


def _kube_transition_action(name: str, transition: str):
    @extend_schema(request=s.TransitionSerializer, responses={200: s.KubeSerializer}, operation_id=f"kube_{name}")
    def take(self, request, pk=None):
        kube = self.get_object()
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group_services.kube_transition(
            kube=kube, user=request.user, action=transition, comment=serializer.validated_data["comment"]
        )
        return self.answer(self.get_queryset().get(pk=kube.pk), created=False)

    take.__name__ = name
    return action(detail=True, methods=["post"], url_path=name)(take)


@extend_schema_view(list=LIST)
class KubeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """KUBE with their current members; a mentor sees the KUBE assigned to them."""

    queryset = Kube.objects.all()
    serializer_class = s.KubeSerializer
    write_serializer_class = s.KubeWriteSerializer
    filterset_class = KubeFilter
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        members = Prefetch(
            "memberships",
            queryset=Membership.objects.filter(left_on__isnull=True)
            .select_related("household")
            .prefetch_related("household__members")
            .order_by("role", "id"),
        )
        return Kube.objects.visible_to(self.request.user).prefetch_related(members)

    def deleted_q(self, since):
        return Q(status__in=(Status.NONAKTIF, Status.BUBAR), status_changed_at__gte=since)

    def _valid(self, request) -> dict:
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=s.KubeWriteSerializer, responses={201: s.KubeSerializer})
    def create(self, request, *args, **kwargs):
        data = self._valid(request)
        data.pop("version", None)
        kube = group_services.kube_create(user=request.user, data=data)
        return self.answer(self.get_queryset().get(pk=kube.pk), created=True)

    @extend_schema(request=s.KubeWriteSerializer, responses={200: s.KubeSerializer})
    def update(self, request, *args, **kwargs):
        kube = self.get_object()
        data = self._valid(request)
        version = data.pop("version", None)
        group_services.kube_update(kube=kube, user=request.user, data=data, version=version)
        return self.answer(self.get_queryset().get(pk=kube.pk), created=False)

    @extend_schema(responses={200: s.StatusChangeSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        kube = self.get_object()
        return Response(s.StatusChangeSerializer(kube.status_changes.all(), many=True).data)


for _name, _transition in KUBE_ACTIONS.items():
    setattr(KubeViewSet, _name, _kube_transition_action(_name, _transition))


@extend_schema_view(list=LIST)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Memberships of the KUBE in scope; `?kube=` for one KUBE."""

    queryset = Membership.objects.all()
    serializer_class = s.MembershipSerializer
    sync_field = "joined_on"

    def get_queryset(self):
        memberships = Membership.objects.visible_to(self.request.user)
        kube = self.request.query_params.get("kube")
        if kube and self.action == "list":
            memberships = memberships.filter(kube_id=kube if kube.isdigit() else None)
        return memberships

    def deleted_q(self, since):
        return Q(left_on__gte=since.date())

    @extend_schema(request=s.MembershipWriteSerializer, responses={201: s.MembershipSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.MembershipWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        membership = group_services.membership_add(user=request.user, **serializer.validated_data)
        return self.answer(membership, created=True)

    @extend_schema(request=s.MembershipEndSerializer, responses={200: s.MembershipSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        membership = self.get_object()
        serializer = s.MembershipEndSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        group_services.membership_end(membership=membership, user=request.user, **serializer.validated_data)
        return self.answer(self.get_queryset().get(pk=membership.pk), created=False)


@extend_schema_view(list=LIST)
class GrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = Grant.objects.all()
    serializer_class = s.GrantSerializer
    sync_field = "recorded_at"

    @extend_schema(request=s.GrantWriteSerializer, responses={201: s.GrantSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.GrantWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        grant = group_services.grant_record(user=request.user, **serializer.validated_data)
        return self.answer(grant, created=True)


@extend_schema_view(list=LIST)
class BusinessReportViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Monthly business reports (JSON); a create with a known `client_uuid` answers 200 with the stored report."""

    queryset = BusinessReport.objects.all()
    serializer_class = s.BusinessReportSerializer
    write_serializer_class = s.BusinessReportWriteSerializer

    def get_queryset(self):
        reports = BusinessReport.objects.visible_to(self.request.user)
        kube = self.request.query_params.get("kube")
        if kube and self.action == "list":
            reports = reports.filter(kube_id=kube if kube.isdigit() else None)
        return reports

    @extend_schema(
        request=s.BusinessReportWriteSerializer,
        responses={200: s.BusinessReportSerializer, 201: s.BusinessReportSerializer},
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_write(self, data):
        kube, month, client_uuid = data.pop("kube"), data.pop("month"), data.pop("client_uuid")
        report = group_services.report_save(
            kube=kube, user=self.request.user, month=month, data=data, must_be_new=True, client_uuid=client_uuid
        )
        return report, True


# --- Mentors -------------------------------------------------------------------------------------


@extend_schema_view(list=LIST)
class MentorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    queryset = Mentor.objects.all()
    serializer_class = s.MentorSerializer
    write_serializer_class = s.MentorWriteSerializer
    filterset_class = MentorFilter
    http_method_names = ["get", "put", "head", "options"]

    def deleted_q(self, since):
        return Q(status="nonaktif", updated_at__gte=since)

    @extend_schema(request=s.MentorWriteSerializer, responses={200: s.MentorSerializer})
    def update(self, request, *args, **kwargs):
        mentor = self.get_object()
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        mentor = mentor_services.mentor_update(user=request.user, mentor=mentor, data=data, version=version)
        return self.answer(mentor, created=False)


@extend_schema_view(list=LIST)
class TrainingBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = TrainingBatch.objects.all()
    serializer_class = s.TrainingBatchSerializer
    filterset_class = TrainingBatchFilter
    sync_field = "created_at"

    def get_queryset(self):
        return TrainingBatch.objects.visible_to(self.request.user).prefetch_related("participations")

    @extend_schema(request=s.TrainingBatchWriteSerializer, responses={201: s.TrainingBatchSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.TrainingBatchWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = mentor_services.training_batch_create(user=request.user, data=serializer.validated_data)
        return self.answer(batch, created=True)

    @extend_schema(request=s.ParticipationWriteSerializer, responses={200: s.TrainingBatchSerializer})
    @action(detail=True, methods=["post"])
    def participants(self, request, pk=None):
        batch = self.get_object()
        serializer = s.ParticipationWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        mentor_services.participation_save(user=request.user, batch=batch, **serializer.validated_data)
        return self.answer(self.get_queryset().get(pk=batch.pk), created=False)


@extend_schema_view(list=LIST)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = Assignment.objects.all()
    serializer_class = s.AssignmentSerializer
    sync_field = "created_at"

    def deleted_q(self, since):
        return Q(ended_on__gte=since.date())

    @extend_schema(request=s.AssignmentWriteSerializer, responses={201: s.AssignmentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.AssignmentWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        assignment = mentor_services.assignment_create(user=request.user, **serializer.validated_data)
        return self.answer(assignment, created=True)

    @extend_schema(request=s.AssignmentEndSerializer, responses={200: s.AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        serializer = s.AssignmentEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = mentor_services.assignment_end(
            user=request.user, assignment=assignment, **serializer.validated_data
        )
        return self.answer(assignment, created=False)


# --- Field visits ----------------------------------------------------------------------------------


@extend_schema_view(list=LIST)
class FieldVisitViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Field visits; a mentor posts them (multipart with photos), the district office verifies or returns them."""

    queryset = FieldVisit.objects.all()
    serializer_class = s.FieldVisitSerializer
    write_serializer_class = s.FieldVisitWriteSerializer
    filterset_class = FieldVisitFilter
    error_fields = {"members": "members_present"}

    def get_queryset(self):
        return FieldVisit.objects.visible_to(self.request.user).prefetch_related("members_present", "photos")

    @extend_schema(
        request={"multipart/form-data": s.FieldVisitWriteSerializer, "application/json": s.FieldVisitWriteSerializer},
        responses={200: s.FieldVisitSerializer, 201: s.FieldVisitSerializer},
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_write(self, data):
        visit, created = mentor_services.visit_record(
            user=self.request.user,
            kube=data["kube"],
            client_uuid=data["client_uuid"],
            visited_on=data["visited_on"],
            topics=data["topics"],
            members=data["members_present"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"),
            located_at=data.get("located_at"),
            notes=data["notes"],
            problems=data["problems"],
            follow_up=data["follow_up"],
            next_plan=data["next_plan"],
            photos=data["photos"],
        )
        return self.get_queryset().get(pk=visit.pk), created

    @extend_schema(request=None, responses={200: s.FieldVisitSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        visit = mentor_services.visit_verify(user=request.user, visit=self.get_object())
        return self.answer(self.get_queryset().get(pk=visit.pk), created=False)

    @extend_schema(request=s.VisitReturnSerializer, responses={200: s.FieldVisitSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        visit = self.get_object()
        serializer = s.VisitReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = mentor_services.visit_return(
            user=request.user, visit=visit, comment=serializer.validated_data["comment"]
        )
        return self.answer(self.get_queryset().get(pk=visit.pk), created=False)

    @extend_schema(
        responses={(200, "image/jpeg"): {"type": "string", "format": "binary"}},
        operation_id="field_visits_photo",
    )
    @action(
        detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)", pagination_class=None, filter_backends=[]
    )
    def photo(self, request, pk=None, photo_id=None):
        """A visit photo (full size). Recorded as a download of personal data."""
        visit = self.get_object()
        photo = VisitPhoto.objects.filter(visit=visit, pk=photo_id).first()
        if photo is None or not photo.image.name or not photo.image.storage.exists(photo.image.name):
            raise Http404
        mentor_services.visit_photo_download_record(request=request, visit=visit, channel=DownloadChannel.API)
        return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


# --- Graduation ------------------------------------------------------------------------------------


@extend_schema_view(list=LIST)
class AssessmentViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Household assessments (JSON); a create with a known `client_uuid` answers 200 with the stored one."""

    queryset = HouseholdAssessment.objects.all()
    serializer_class = s.AssessmentSerializer
    write_serializer_class = s.AssessmentWriteSerializer
    sync_field = "created_at"

    def get_queryset(self):
        assessments = HouseholdAssessment.objects.visible_to(self.request.user)
        household = self.request.query_params.get("household")
        if household and self.action == "list":
            assessments = assessments.filter(household_id=household if household.isdigit() else None)
        return assessments

    @extend_schema(
        request=s.AssessmentWriteSerializer, responses={200: s.AssessmentSerializer, 201: s.AssessmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_write(self, data):
        return graduation_services.assessment_record(user=self.request.user, **data), True


@extend_schema_view(list=LIST)
class ReadinessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Graduation readiness per household, explained in the request's language (Accept-Language)."""

    queryset = GraduationStatus.objects.all()
    serializer_class = s.ReadinessSerializer
    filterset_class = ReadinessFilter
    sync_field = "computed_at"
    lookup_field = "household"
    pagination_class = HouseholdOrderedPagination


@extend_schema_view(list=LIST)
class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Graduation proposals, their verification and decision."""

    queryset = GraduationDecision.objects.all()
    serializer_class = s.DecisionSerializer
    filterset_class = DecisionFilter
    sync_field = "proposed_at"

    @extend_schema(request=s.DecisionProposeSerializer, responses={201: s.DecisionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.DecisionProposeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        decision = graduation_services.graduation_propose(user=request.user, **serializer.validated_data)
        return self.answer(decision, created=True)

    @extend_schema(request=s.DecisionVerifySerializer, responses={200: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        decision = self.get_object()
        serializer = s.DecisionVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = graduation_services.graduation_verify(
            user=request.user, decision=decision, **serializer.validated_data
        )
        return self.answer(decision, created=False)

    @extend_schema(request=s.DecisionDecideSerializer, responses={200: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        decision = self.get_object()
        serializer = s.DecisionDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = graduation_services.graduation_decide(
            user=request.user, decision=decision, **serializer.validated_data
        )
        return self.answer(decision, created=False)

    @extend_schema(request=s.DecisionRejectSerializer, responses={200: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        decision = self.get_object()
        serializer = s.DecisionRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = graduation_services.graduation_reject(
            user=request.user, decision=decision, reason=serializer.validated_data["reason"]
        )
        return self.answer(decision, created=False)


# --- Dashboards ------------------------------------------------------------------------------------


class AreaFiguresSerializer(drf_serializers.ModelSerializer):
    class Meta:
        model = AreaFigures
        exclude = ["id"]


class AreaMonthSerializer(drf_serializers.ModelSerializer):
    class Meta:
        model = AreaMonth
        exclude = ["id"]


class DashboardFiguresSerializer(drf_serializers.Serializer):
    figures = AreaFiguresSerializer(allow_null=True)
    month = AreaMonthSerializer(allow_null=True)


class DashboardQuerySerializer(drf_serializers.Serializer):
    region = drf_serializers.RegexField(r"^([0-9]{2}(\.[0-9]{2}(\.[0-9]{2})?)?)?$", required=False, default="")
    month = drf_serializers.DateField(required=False, allow_null=True, default=None)
    program = drf_serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1, default=0)


class DashboardFiguresViewSet(ScopedViewSet):
    """The dashboards' figures of one region (province, kab/kota, kecamatan; "" the nation) and month."""

    serializer_class = DashboardFiguresSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardFiguresSerializer)
    def list(self, request):
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code, month, program = (query.validated_data[k] for k in ("region", "month", "program"))
        # 404 outside the caller's scope, and for a mentor (dashboards.selectors).
        area = region_area(request.user, code) if code else national_area(request.user)
        codes = area.codes
        figures = AreaFigures.objects.filter(region_code__in=codes, program_id=program)
        monthly = AreaMonth.objects.filter(
            region_code__in=codes, program_id=program, month=month_start(month or default_month())
        )
        # A directorate's nation is its provinces: their rows summed would be a new figure; one region is served.
        return Response(
            DashboardFiguresSerializer(
                {"figures": figures.order_by("region_code").first(), "month": monthly.order_by("region_code").first()}
            ).data
        )


# --- Import jobs -----------------------------------------------------------------------------------


class ImportJobSerializer(drf_serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = [
            "id",
            "original_name",
            "dry_run",
            "status",
            "rows_total",
            "rows_done",
            "households_created",
            "households_updated",
            "members_created",
            "members_updated",
            "rows_rejected",
            "messages",
            "created_at",
            "finished_at",
            "percent",
        ]

    percent = drf_serializers.IntegerField(read_only=True)


class ImportUploadSerializer(drf_serializers.Serializer):
    file = drf_serializers.FileField()
    dry_run = drf_serializers.BooleanField(default=True)


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """KPM import jobs: upload a CSV/XLSX (multipart), follow its status, fetch its error report.

    A job is its uploader's, as on the pages: anyone else gets 404.
    """

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    sync_field = "created_at"

    def get_queryset(self):
        return ImportJob.objects.filter(user=self.request.user)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        if not request.user.enters_data:
            raise PermissionDenied(_("Peran Anda hanya dapat membaca data KPM."))
        form = ImportForm(request.data, request.FILES)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
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
            return Response(error_body("unavailable", str(TRY_AGAIN_LATER)), status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return self.answer(job, created=True)

    @extend_schema(responses={(200, XLSX): {"type": "string", "format": "binary"}})
    @action(detail=True, methods=["get"], url_path="error-report", pagination_class=None, filter_backends=[])
    def error_report(self, request, pk=None):
        """The rows the import refused, with why (xlsx). Recorded as a download of personal data."""
        job = self.get_object()
        if not job.error_report:
            raise Http404
        download_record(
            request=request,
            kind=DownloadKind.IMPORT_ERRORS,
            file_format="xlsx",
            description=_("API: laporan kesalahan impor %(name)s") % {"name": job.original_name},
            row_count=error_report_rows(job),
            full_nik=True,
            region_code=data_region(request.user),
            channel=DownloadChannel.API,
        )
        return FileResponse(
            job.error_report.open("rb"),
            as_attachment=True,
            filename=f"kesalahan-impor-{job.pk}.xlsx",
            content_type=XLSX,
        )
