"""Graduation workflows: criteria versions, assessments and the human decision.

The machine computes readiness (recompute.py); only people decide graduation:
a mentor (or the district office) proposes, the district office verifies and decides
*graduasi mandiri* / *graduasi alamiah*, or rejects with a reason. A decided household
leaves the active register (beneficiaries' deactivation, reason *graduasi*) and is
monitored for 12 months: an assessment below the poverty line flags a relapse.
"""

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from beneficiaries.models import DeactivationReason, Household
from beneficiaries.services import household_deactivate
from graduation import readiness
from graduation.models import (
    MONITORING_MONTHS,
    AssessmentSource,
    CriteriaSet,
    DecisionStatus,
    GraduationDecision,
    GraduationKind,
    GraduationStatus,
    GraduationStatusChange,
    HouseholdAssessment,
    PovertyLine,
    ProposalBasis,
    Readiness,
)
from graduation.recompute import recompute_households
from groups.models import Membership
from kube_portal.concurrency import stored_resend, version_check
from kube_portal.dates import add_months
from mentors.models import FieldVisit

CRITERIA_FIELDS = ["income_multiple", "min_kube_level", "min_kube_months", "assets_threshold", "desil_threshold"]
# Households recomputed per batch by the live Python engine.
RECOMPUTE_BATCH = 2_000
#: From this many households on, the live recompute runs the nightly's SQL restricted to them.
SET_BASED_FROM = 500


def can_propose_graduation(user: User) -> bool:
    return user.is_national or user.role in (Role.PENDAMPING, Role.DINSOS_KABKOTA)


def can_decide_graduation(user: User) -> bool:
    """The district office verifies and decides (and national administrators)."""
    return user.is_national or user.role == Role.DINSOS_KABKOTA


def can_assess_household(user: User) -> bool:
    return user.is_national or user.role in (Role.PENDAMPING, Role.DINSOS_KABKOTA)


# --- Criteria -------------------------------------------------------------------------------


@transaction.atomic
def criteria_revise(*, user: User, data: dict[str, Any], note: str = "", version: int | None = None) -> CriteriaSet:
    """A new version of the criteria becomes the active one; the old ones stay for the results that used them.

    `version` is the active version the form was opened on: if another administrator saved a
    version since and the input differs from it, `StaleEdit`.
    """
    if not user.is_national:
        raise PermissionDenied
    current = _active_criteria_locked()
    values = {name: data.get(name, getattr(current, name)) for name in CRITERIA_FIELDS}
    version_check(
        current,
        version=version,
        submitted=values,
        last_change=lambda: (current.created_by, current.created_at) if current.created_by else None,
        bump=False,  # each version is a row of its own
    )
    CriteriaSet.objects.filter(pk=current.pk).update(is_active=False)
    top = CriteriaSet.objects.aggregate(top=Max("version"))["top"] or 0
    return CriteriaSet.objects.create(version=top + 1, is_active=True, note=note, created_by=user, **values)


def _active_criteria_locked() -> CriteriaSet:
    """The active criteria with their row locked.

    A concurrent revision may deactivate the row between reading and locking it; the lock
    then waits for that revision to commit, and the next round reads its new version.
    """
    while True:
        current = CriteriaSet.objects.active()
        locked = CriteriaSet.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=current.pk)
        if locked.is_active:
            return locked


# --- Assessments ----------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    user: User,
    household: Household,
    assessed_on: datetime.date,
    monthly_income: int,
    savings: int,
    productive_assets: int,
    housing_condition: str,
    source: str | None = None,
    note: str = "",
    visit: FieldVisit | None = None,
    client_uuid: uuid.UUID | None = None,
) -> HouseholdAssessment:
    """Record an assessment (a mentor's is from a visit); flags a relapse of a monitored graduate.

    `client_uuid`: the client's code of the assessment (the field app); a resend returns the stored one.
    """
    if not can_assess_household(user):
        raise PermissionDenied
    # Locked: a resend racing its first request waits here, then finds the first one's row.
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    existing = stored_resend(
        HouseholdAssessment,
        client_uuid,
        is_same_record=lambda stored: stored.household_id == household.pk,
        taken=ValidationError({"client_uuid": _("Kode formulir ini sudah dipakai untuk asesmen lain.")}),
    )
    if existing is not None:
        return existing
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("Tanggal asesmen tidak boleh di masa depan.")})
    if visit is not None:
        visit = FieldVisit.objects.visible_to(user).get(pk=visit.pk)
        if not Membership.objects.filter(kube_id=visit.kube_id, household=household).exists():
            raise ValidationError({"visit": _("Keluarga ini bukan anggota KUBE yang dikunjungi.")})
        source = AssessmentSource.MENTOR_VISIT
    if source is None:
        source = AssessmentSource.MENTOR_VISIT if user.role == Role.PENDAMPING else AssessmentSource.OFFICE_SURVEY
    assessment = HouseholdAssessment.objects.create(
        household=household,
        assessed_on=assessed_on,
        monthly_income=monthly_income,
        savings=savings,
        productive_assets=productive_assets,
        housing_condition=housing_condition,
        source=source,
        visit=visit,
        assessor=user,
        note=note,
        **({"client_uuid": client_uuid} if client_uuid else {}),
    )
    _flag_relapse(assessment)
    readiness_recompute(household_ids=[household.pk])
    return assessment


def income_per_capita(assessment: HouseholdAssessment) -> Decimal | None:
    size = assessment.household.members.count()
    return Decimal(assessment.monthly_income) / size if size else None


def _flag_relapse(assessment: HouseholdAssessment) -> None:
    decision = (
        GraduationDecision.objects.select_for_update()
        .filter(
            household=assessment.household,
            status=DecisionStatus.DECIDED,
            decided_on__lte=assessment.assessed_on,
            monitoring_until__gte=assessment.assessed_on,
            relapse_on__isnull=True,
        )
        .first()
    )
    if decision is None:
        return
    line, _why = PovertyLine.objects.applicable(
        province_code=assessment.household.region_code[:2],
        is_urban=assessment.household.is_urban,
        on=assessment.assessed_on,
    )
    per_capita = income_per_capita(assessment)
    if line is not None and per_capita is not None and per_capita < line.amount:
        decision.relapse_on = assessment.assessed_on
        decision.relapse_assessment = assessment
        decision.save(update_fields=["relapse_on", "relapse_assessment"])


# --- Readiness, live ------------------------------------------------------------------------


@transaction.atomic
def readiness_recompute(
    *, household_ids: Iterable[int], run_date: datetime.date | None = None, set_based: bool | None = None
) -> int:
    """Recompute these households' readiness now; returns how many rows changed.

    Written exactly as the nightly run writes it (graduation/recompute.py): a row only when its
    inputs or the criteria version differ, a history entry when the state changes (without a run).
    Inactive households are left as they are, as the nightly run leaves them. A few households
    (a form, a membership) go through the Python engine; from SET_BASED_FROM on (an import), the
    nightly's SQL restricted to them (`set_based` forces either; both give identical rows).
    """
    ids = sorted(set(household_ids))
    run_date = run_date or timezone.localdate()
    criteria = CriteriaSet.objects.active()
    if set_based if set_based is not None else len(ids) >= SET_BASED_FROM:
        return recompute_households(household_ids=ids, run_date=run_date, criteria=criteria)
    written = 0
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        results = readiness.compute(ids[start : start + RECOMPUTE_BATCH], run_date=run_date, criteria=criteria)
        stored = {
            status.household_id: status
            for status in GraduationStatus.objects.select_for_update().filter(household_id__in=results)
        }
        now = timezone.now()
        rows, changes = [], []
        for household_id, result in sorted(results.items()):
            old = stored.get(household_id)
            if old is not None and (old.region_code, old.inputs, old.criteria_id) == (
                result.region_code,
                result.inputs,
                criteria.pk,
            ):
                continue
            rows.append(
                GraduationStatus(
                    household_id=household_id,
                    region_code=result.region_code,
                    state=result.state,
                    score=result.score,
                    alamiah_candidate=result.alamiah_candidate,
                    needs_assessment=result.needs_assessment,
                    explanation=result.explanation,
                    inputs=result.inputs,
                    criteria=criteria,
                    run=None,
                    computed_at=now,
                )
            )
            if old is None or old.state != result.state:
                changes.append(
                    GraduationStatusChange(
                        household_id=household_id,
                        changed_on=run_date,
                        from_state=old.state if old else "",
                        to_state=result.state,
                        run=None,
                        created_at=now,
                    )
                )
        GraduationStatus.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["household"],
            update_fields=[
                "region_code",
                "state",
                "score",
                "alamiah_candidate",
                "needs_assessment",
                "explanation",
                "inputs",
                "criteria",
                "run",
                "computed_at",
            ],
        )
        GraduationStatusChange.objects.bulk_create(changes)
        written += len(rows)
    return written


# --- Decisions ------------------------------------------------------------------------------


@transaction.atomic
def graduation_propose(*, user: User, household: Household, basis: str, reason: str = "") -> GraduationDecision:
    """A household proposed for graduation: `siap`, an alamiah candidate, or another with a written reason."""
    if not can_propose_graduation(user):
        raise PermissionDenied
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    if not household.is_active:
        raise ValidationError(_("Keluarga ini sudah tidak aktif."))
    if GraduationDecision.objects.filter(household=household).open().exists():
        raise ValidationError(_("Keluarga ini sudah diusulkan dan sedang diproses."))
    status = GraduationStatus.objects.filter(household=household).first()
    reason = reason.strip()
    if basis == ProposalBasis.SIAP and (status is None or status.state != Readiness.SIAP):
        raise ValidationError(_("Keluarga ini belum berstatus siap; pilih 'lainnya' dan tulis alasannya."))
    if basis == ProposalBasis.ALAMIAH and (status is None or not status.alamiah_candidate):
        raise ValidationError(_("Keluarga ini bukan calon graduasi alamiah; pilih 'lainnya' dan tulis alasannya."))
    if basis == ProposalBasis.OTHER and not reason:
        raise ValidationError({"reason": _("Tuliskan alasan usulan.")})
    if basis not in ProposalBasis.values:
        raise ValidationError({"basis": _("Dasar usulan tidak dikenal.")})
    return GraduationDecision.objects.create(
        household=household,
        basis=basis,
        reason=reason,
        readiness_at_proposal=status.state if status else "",
        proposed_by=user,
    )


def _decision_for(user: User, decision: GraduationDecision) -> GraduationDecision:
    if not can_decide_graduation(user):
        raise PermissionDenied
    return GraduationDecision.objects.visible_to(user).select_for_update().get(pk=decision.pk)


@transaction.atomic
def graduation_verify(*, user: User, decision: GraduationDecision, note: str = "") -> GraduationDecision:
    decision = _decision_for(user, decision)
    if decision.status != DecisionStatus.PROPOSED:
        raise ValidationError(_("Hanya usulan yang dapat diverifikasi."))
    decision.status = DecisionStatus.VERIFIED
    decision.verified_by = user
    decision.verified_at = timezone.now()
    decision.verification_note = note.strip()
    decision.save(update_fields=["status", "verified_by", "verified_at", "verification_note"])
    return decision


@transaction.atomic
def graduation_decide(
    *, user: User, decision: GraduationDecision, kind: str, decided_on: datetime.date | None = None
) -> GraduationDecision:
    """Graduasi mandiri or alamiah: the household leaves the active register and is monitored 12 months."""
    decision = _decision_for(user, decision)
    if decision.status != DecisionStatus.VERIFIED:
        raise ValidationError(_("Usulan harus diverifikasi sebelum diputuskan."))
    if kind not in GraduationKind.values:
        raise ValidationError({"kind": _("Jenis graduasi tidak dikenal.")})
    decided_on = decided_on or timezone.localdate()
    decision.status = DecisionStatus.DECIDED
    decision.kind = kind
    decision.decided_by = user
    decision.decided_at = timezone.now()
    decision.decided_on = decided_on
    decision.monitoring_until = add_months(decided_on, MONITORING_MONTHS)
    decision.save(update_fields=["status", "kind", "decided_by", "decided_at", "decided_on", "monitoring_until"])
    household_deactivate(
        user=user,
        household=decision.household,
        reason=DeactivationReason.GRADUATED,
        note=str(GraduationKind(kind).label),
    )
    return decision


@transaction.atomic
def graduation_reject(*, user: User, decision: GraduationDecision, reason: str) -> GraduationDecision:
    decision = _decision_for(user, decision)
    if not decision.is_open:
        raise ValidationError(_("Usulan ini sudah selesai diproses."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"rejection_reason": _("Tuliskan alasan penolakan.")})
    decision.status = DecisionStatus.REJECTED
    decision.rejection_reason = reason
    decision.decided_by = user
    decision.decided_at = timezone.now()
    decision.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    return decision
