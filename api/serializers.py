"""What the API reads and accepts. Reads are model serializers; writes validate the shape of the
input and hand it to the app's service, which applies the rules (api.views)."""

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from api.sync import TrimmedFieldsMixin
from beneficiaries.models import Household, Member
from beneficiaries.services import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from graduation.models import GraduationDecision, GraduationStatus, HouseholdAssessment
from graduation.templatetags import readiness as readiness_texts
from groups.models import BusinessReport, Grant, Kube, KubeStatusChange, Membership
from groups.services import KUBE_FIELDS
from groups.services import REPORT_FIELDS as REPORT_VALUE_FIELDS
from mentors.models import Assignment, FieldVisit, Mentor, Topic, TrainingBatch, TrainingParticipation, VisitPhoto
from mentors.services import MENTOR_FIELDS
from regions.models import Region

# The household fields the services save, as the API names them (`village`, not `village_id`).
HOUSEHOLD_API_FIELDS = [name.removesuffix("_id") for name in HOUSEHOLD_FIELDS]


@extend_schema_field(OpenApiTypes.INT)
class Scoped(serializers.PrimaryKeyRelatedField):
    """An id of an object the caller may see: another region's id is "not found", like a wrong one."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.model.objects.visible_to(user)


class ReadSerializer(TrimmedFieldsMixin, serializers.ModelSerializer):
    pass


# --- People and regions ------------------------------------------------------------------------


class MeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    region = serializers.CharField(source="region_id", allow_null=True)
    mentor_id = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "region", "mentor_id", "language", "scope"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username

    def get_mentor_id(self, user) -> int | None:
        mentor = getattr(user, "mentor", None) if user.is_mentor else None
        return mentor.pk if mentor is not None else None

    def get_language(self, user) -> str:
        return get_language()

    @extend_schema_field({"type": ["array", "null"], "items": {"type": "string"}})
    def get_scope(self, user):
        """Region-code prefixes the caller reads; null for the whole country."""
        prefixes = user.scope.prefixes
        return None if prefixes is None else list(prefixes)


class RegionSerializer(ReadSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent", "retired"]


# --- Households ----------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = Member
        fields = ["id", *MEMBER_FIELDS]
        # The NIK's uniqueness is the service's rule (with its message naming the household when visible).
        extra_kwargs = {"nik": {"validators": []}}


def _moment(value):
    return None if value is None else timezone.localtime(value).isoformat()


class HouseholdSerializer(ReadSerializer):
    village = serializers.CharField(source="village_id")
    members = MemberSerializer(many=True)

    def to_representation(self, household):
        """The same object the fields describe, built directly.

        A sync page is 1,000 households and about 4,000 members; DRF's field-by-field path spends
        most of the page's time there (bench/api.py). The declared fields stay the schema and the
        input; `fields=` trims this dict the same way (TrimmedFieldsMixin).
        """
        members = [
            {
                "id": member.id,
                "nik": member.nik,
                "name": member.name,
                "sex": member.sex,
                "birth_date": member.birth_date.isoformat(),
                "relationship": member.relationship,
                "has_disability": member.has_disability,
                "is_pregnant": member.is_pregnant,
                "education": member.education,
                "occupation": member.occupation,
            }
            for member in household.members.all()
        ]
        row = {
            "id": household.id,
            "no_kk": household.no_kk,
            "village": household.village_id,
            "address": household.address,
            "rt": household.rt,
            "rw": household.rw,
            "is_urban": household.is_urban,
            "desil": household.desil,
            "receives_pkh": household.receives_pkh,
            "receives_bpnt": household.receives_bpnt,
            "receives_pbi_jk": household.receives_pbi_jk,
            "phone": household.phone,
            "is_active": household.is_active,
            "deactivation_reason": household.deactivation_reason,
            "deactivated_at": _moment(household.deactivated_at),
            "version": household.version,
            "created_at": _moment(household.created_at),
            "updated_at": _moment(household.updated_at),
            "members": members,
        }
        return {name: row[name] for name in self.fields}

    class Meta:
        model = Household
        fields = [
            "id",
            *HOUSEHOLD_API_FIELDS,
            "is_active",
            "deactivation_reason",
            "deactivated_at",
            "version",
            "created_at",
            "updated_at",
            "members",
        ]


class HouseholdWriteSerializer(serializers.ModelSerializer):
    village = serializers.CharField(max_length=13)
    members = MemberSerializer(many=True)
    version = serializers.IntegerField(
        required=False, min_value=0, help_text=_("Versi yang dibaca klien (409 bila basi).")
    )

    class Meta:
        model = Household
        fields = [*HOUSEHOLD_API_FIELDS, "members", "version"]
        extra_kwargs = {"no_kk": {"validators": []}}


class HouseholdDeactivateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Household._meta.get_field("deactivation_reason").choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


# --- KUBE ----------------------------------------------------------------------------------------


class KubeMemberSerializer(serializers.ModelSerializer):
    no_kk = serializers.CharField(source="household.no_kk")
    head_name = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "household", "no_kk", "head_name", "role", "joined_on", "left_on"]

    def get_head_name(self, membership) -> str:
        heads = [m for m in membership.household.members.all() if m.relationship == "kepala"]
        return heads[0].name if heads else ""


class KubeSerializer(ReadSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Kube
        fields = [
            "id",
            "registration_number",
            *KUBE_FIELDS,
            "status",
            "status_changed_at",
            "activated_on",
            "maturity_level",
            "not_reporting",
            "kur_status",
            "version",
            "created_at",
            "updated_at",
            "members",
        ]

    @extend_schema_field(KubeMemberSerializer(many=True))
    def get_members(self, kube):
        current = [m for m in kube.memberships.all() if m.left_on is None]
        return KubeMemberSerializer(current, many=True, context=self.context).data


class KubeWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=0)

    class Meta:
        model = Kube
        fields = [*KUBE_FIELDS, "version"]


class TransitionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = KubeStatusChange
        fields = ["id", "from_status", "to_status", "actor", "at", "comment", "note", "note_params"]


class MembershipSerializer(ReadSerializer):
    class Meta:
        model = Membership
        fields = ["id", "kube", "household", "role", "joined_on", "left_on", "left_reason", "replaced_by"]


class MembershipWriteSerializer(serializers.Serializer):
    kube = Scoped(Kube)
    household = Scoped(Household)
    role = serializers.ChoiceField(choices=Membership._meta.get_field("role").choices, default="anggota")
    joined_on = serializers.DateField(required=False, allow_null=True)


class MembershipEndSerializer(serializers.Serializer):
    left_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=255)
    replacement = Scoped(Household, required=False, allow_null=True)


class GrantSerializer(ReadSerializer):
    class Meta:
        model = Grant
        fields = [
            "id",
            "kube",
            "amount",
            "disbursed_on",
            "transfer_reference",
            "stage",
            "bank_name",
            "bank_account_number",
            "bank_account_holder",
            "recorded_by",
            "recorded_at",
        ]


class GrantWriteSerializer(serializers.Serializer):
    kube = Scoped(Kube)
    amount = serializers.IntegerField(min_value=1, max_value=10**15)
    disbursed_on = serializers.DateField()
    transfer_reference = serializers.CharField(max_length=100)
    stage = serializers.ChoiceField(choices=Grant._meta.get_field("stage").choices, default="sekaligus")


REPORT_FIELDS = ["kube", "month", *REPORT_VALUE_FIELDS]


class BusinessReportSerializer(ReadSerializer):
    class Meta:
        model = BusinessReport
        fields = ["id", "client_uuid", *REPORT_FIELDS, "profit", "reported_by", "created_at", "updated_at"]


class BusinessReportWriteSerializer(serializers.ModelSerializer):
    kube = Scoped(Kube)
    client_uuid = serializers.UUIDField()

    class Meta:
        model = BusinessReport
        fields = ["client_uuid", *REPORT_FIELDS]
        extra_kwargs = {"client_uuid": {"validators": []}}
        # One report per KUBE and month is the service's rule (a second one for a month is a 400 there).
        validators = []


# --- Mentors -------------------------------------------------------------------------------------


class MentorSerializer(ReadSerializer):
    class Meta:
        model = Mentor
        fields = [
            "id",
            "user",
            *MENTOR_FIELDS,
            "version",
            "created_at",
            "updated_at",
        ]


class MentorWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=0)

    class Meta:
        model = Mentor
        fields = [*MENTOR_FIELDS, "version"]
        extra_kwargs = {"nik": {"validators": []}}


class TrainingParticipationSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingParticipation
        fields = ["id", "mentor", "attended", "result"]


class TrainingBatchSerializer(ReadSerializer):
    participants = TrainingParticipationSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = TrainingBatch
        fields = [
            "id",
            "name",
            "organiser",
            "place",
            "start_date",
            "end_date",
            "region_code",
            "created_at",
            "participants",
        ]


class TrainingBatchWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingBatch
        fields = ["name", "organiser", "place", "start_date", "end_date"]


class ParticipationWriteSerializer(serializers.Serializer):
    mentor = Scoped(Mentor)
    attended = serializers.BooleanField(default=True)
    result = serializers.ChoiceField(choices=TrainingParticipation._meta.get_field("result").choices, default="belum")


class AssignmentSerializer(ReadSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "mentor", "kube", "started_on", "ended_on", "end_reason", "version", "created_at"]


class AssignmentWriteSerializer(serializers.Serializer):
    mentor = Scoped(Mentor)
    kube = Scoped(Kube)
    started_on = serializers.DateField(required=False, allow_null=True)


class AssignmentEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    version = serializers.IntegerField(required=False, min_value=0)


# --- Field visits ----------------------------------------------------------------------------------


class VisitPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPhoto
        fields = ["id", "width", "height", "created_at"]


class FieldVisitSerializer(ReadSerializer):
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = FieldVisit
        fields = [
            "id",
            "client_uuid",
            "mentor",
            "kube",
            "visited_on",
            "latitude",
            "longitude",
            "accuracy_m",
            "located_at",
            "members_present",
            "topics",
            "notes",
            "problems",
            "follow_up",
            "next_plan",
            "status",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "updated_at",
            "photos",
        ]


class FieldVisitWriteSerializer(serializers.Serializer):
    """multipart/form-data (or JSON without photos): repeated keys for members_present, topics and photos."""

    client_uuid = serializers.UUIDField()
    kube = Scoped(Kube)
    visited_on = serializers.DateField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    accuracy_m = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False, allow_null=True)
    located_at = serializers.DateTimeField(required=False, allow_null=True)
    members_present = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, default=list
    )
    topics = serializers.ListField(child=serializers.ChoiceField(choices=Topic.choices), allow_empty=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    problems = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(required=False, allow_blank=True, default="")
    next_plan = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class VisitReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


# --- Graduation ------------------------------------------------------------------------------------


ASSESSMENT_FIELDS = [
    "household",
    "assessed_on",
    "monthly_income",
    "savings",
    "productive_assets",
    "housing_condition",
    "source",
    "visit",
    "note",
]


class AssessmentSerializer(ReadSerializer):
    class Meta:
        model = HouseholdAssessment
        fields = ["id", "client_uuid", *ASSESSMENT_FIELDS, "assessor", "created_at"]


class AssessmentWriteSerializer(serializers.ModelSerializer):
    client_uuid = serializers.UUIDField()
    household = Scoped(Household)
    visit = Scoped(FieldVisit, required=False, allow_null=True)

    class Meta:
        model = HouseholdAssessment
        fields = ["client_uuid", *ASSESSMENT_FIELDS]
        extra_kwargs = {"source": {"required": False, "allow_null": True}}


class ReadinessSerializer(ReadSerializer):
    criteria = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()
    alamiah = serializers.SerializerMethodField()

    class Meta:
        model = GraduationStatus
        fields = [
            "household",
            "state",
            "score",
            "alamiah_candidate",
            "needs_assessment",
            "explanation",
            "criteria",
            "assessment",
            "alamiah",
            "computed_at",
        ]

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "verdict": {"type": "string"}, "text": {"type": "string"}},
            },
        }
    )
    def get_criteria(self, status):
        """Each criterion with its sentence in the request's language (Accept-Language or ?lang=)."""
        return [
            {"key": row["key"], "verdict": row.get("verdict", ""), "text": str(readiness_texts.criterion_text(row))}
            for row in status.criteria_rows
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_assessment(self, status):
        return str(readiness_texts.assessment_text(status.explanation))

    @extend_schema_field(OpenApiTypes.STR)
    def get_alamiah(self, status):
        return str(readiness_texts.alamiah_text(status.explanation))


class DecisionSerializer(ReadSerializer):
    class Meta:
        model = GraduationDecision
        fields = [
            "id",
            "household",
            "status",
            "basis",
            "reason",
            "readiness_at_proposal",
            "proposed_by",
            "proposed_at",
            "verified_by",
            "verified_at",
            "verification_note",
            "kind",
            "decided_by",
            "decided_at",
            "decided_on",
            "rejection_reason",
            "monitoring_until",
        ]


class DecisionProposeSerializer(serializers.Serializer):
    household = Scoped(Household)
    basis = serializers.ChoiceField(choices=GraduationDecision._meta.get_field("basis").choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionVerifySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionDecideSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GraduationDecision._meta.get_field("kind").choices[1:])
    decided_on = serializers.DateField(required=False, allow_null=True)


class DecisionRejectSerializer(serializers.Serializer):
    reason = serializers.CharField()
