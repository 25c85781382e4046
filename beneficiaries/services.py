"""Workflows on the KPM register. The audit trail's triggers record every write (beneficiaries.history)."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries import rules
from beneficiaries.history import household_history
from beneficiaries.models import (
    DeactivationReason,
    DuplicateDecision,
    Household,
    Member,
    Relationship,
    normalize_name,
)
from beneficiaries.signals import households_changed
from kube_portal.concurrency import Difference, differences, version_check
from kube_portal.integrity import unique_errors
from regions.models import Level, Region

HOUSEHOLD_FIELDS = [
    "no_kk",
    "village_id",
    "address",
    "rt",
    "rw",
    "is_urban",
    "desil",
    "receives_pkh",
    "receives_bpnt",
    "receives_pbi_jk",
    "phone",
]
MEMBER_FIELDS = [
    "nik",
    "name",
    "sex",
    "birth_date",
    "relationship",
    "has_disability",
    "is_pregnant",
    "education",
    "occupation",
]


def _require_entry_rights(user: User) -> None:
    if not user.enters_data:
        raise PermissionDenied(_("Peran Anda hanya dapat membaca data KPM."))


# --- Duplicate checks ----------------------------------------------------------------


def nik_registered_message(*, nik: str, user: User, exclude_member_id: int | None = None) -> str | None:
    """Why `nik` cannot be used, naming the household only when the user may see it."""
    existing = Member.objects.filter(nik=nik)
    if exclude_member_id:
        existing = existing.exclude(pk=exclude_member_id)
    household_id = existing.values_list("household_id", flat=True).first()
    if household_id is None:
        return None
    visible = Household.objects.visible_to(user).filter(pk=household_id).values_list("no_kk", flat=True).first()
    if visible:
        return _("NIK ini sudah terdaftar pada keluarga dengan No. KK %(no_kk)s.") % {"no_kk": visible}
    return _("NIK ini sudah terdaftar di wilayah lain.")


def no_kk_registered_message(*, no_kk: str, user: User, exclude_household_id: int | None = None) -> str | None:
    existing = Household.objects.filter(no_kk=no_kk)
    if exclude_household_id:
        existing = existing.exclude(pk=exclude_household_id)
    household_id = existing.values_list("pk", flat=True).first()
    if household_id is None:
        return None
    if Household.objects.visible_to(user).filter(pk=household_id).exists():
        return _("No. KK ini sudah terdaftar (keluarga #%(id)s).") % {"id": household_id}
    return _("No. KK ini sudah terdaftar di wilayah lain.")


# --- Households and members -------------------------------------------------------------


@dataclass
class MemberChange:
    """One row of the members formset: `id` None for a new member; `delete` removes it."""

    data: dict[str, Any]
    id: int | None = None
    delete: bool = False


def _check_village(*, user: User, village_id: str) -> None:
    if not Region.objects.visible_to(user).filter(code=village_id, level=Level.VILLAGE).exists():
        raise ValidationError({"village": _("Desa/kelurahan ini tidak ada atau di luar wilayah Anda.")})


#: The household fields each household rule (beneficiaries.rules) normalises and checks.
HOUSEHOLD_RULES: dict[str, Callable[[Any, datetime.date], rules.Check]] = {
    "no_kk": lambda value, today: rules.no_kk_check(value, today=today),
    "rt": lambda value, today: rules.rt_rw_check(value, field_name="rt"),
    "rw": lambda value, today: rules.rt_rw_check(value, field_name="rw"),
    "desil": lambda value, today: rules.desil_check(value),
}


def _apply_rules(*, data: dict[str, Any], members: Sequence[MemberChange] = ()) -> dict[str, Any]:
    """The household rules on what is to be saved: `data` and the members' data come back normalised,
    or ValidationError names every field that breaks a rule.

    The forms and the import apply the same rules first (with their own messages on their own
    fields); here they hold for every caller, the API included.
    """
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    data = dict(data)
    for name, check_of in HOUSEHOLD_RULES.items():
        if name in data:
            check = check_of(data[name], today)
            for problem in check.errors:
                errors.setdefault(problem.field, []).append(problem.message)
            data[name] = check.value
    for change in members:
        if change.delete:
            continue
        check = rules.member_check(
            nik=change.data.get("nik"),
            sex=change.data.get("sex"),
            birth_date=change.data.get("birth_date"),
            is_pregnant=bool(change.data.get("is_pregnant")),
            today=today,
        )
        for problem in check.errors:
            errors.setdefault(problem.field, []).append(problem.message)
        change.data["nik"] = check.value
    if errors:
        raise ValidationError(errors)
    return data


def _check_members(*, user: User, household: Household | None, members: list[MemberChange]) -> None:
    kept = [change for change in members if not change.delete]
    heads = [change for change in kept if change.data["relationship"] == Relationship.HEAD]
    if len(heads) != 1:
        raise ValidationError(_("Satu keluarga harus memiliki tepat satu kepala keluarga."))
    niks = [change.data["nik"] for change in kept]
    if len(niks) != len(set(niks)):
        raise ValidationError(_("NIK yang sama diisi lebih dari sekali."))
    for change in kept:
        message = nik_registered_message(nik=change.data["nik"], user=user, exclude_member_id=change.id)
        if message:
            raise ValidationError({"nik": message})


def _differs(obj: models.Model, data: dict[str, Any]) -> bool:
    return any(getattr(obj, name) != value for name, value in data.items())


def _apply_members(*, user: User, household: Household, members: list[MemberChange]) -> None:
    existing = {member.pk: member for member in household.members.all()}
    # Deletions and relationship changes first, so the one-head constraint holds at each step.
    for change in sorted(members, key=lambda c: (not c.delete, c.data.get("relationship") == Relationship.HEAD)):
        if change.id is not None and change.id not in existing:
            raise ValidationError(_("Anggota tidak ditemukan pada keluarga ini."))
        if change.delete:
            if change.id is None:
                continue
            existing[change.id].delete()
            continue
        if change.id is None:
            _save_member(user=user, member=Member(household=household, **change.data))
            continue
        member = existing[change.id]
        if _differs(member, change.data):
            for name, value in change.data.items():
                setattr(member, name, value)
            _save_member(user=user, member=member)


def _save_member(*, user: User, member: Member) -> None:
    # The NIK was checked free before; a concurrent save may have taken it since.
    with unique_errors(Member, nik=lambda: _nik_taken(user=user, nik=member.nik)):
        member.save()


@transaction.atomic
def household_create(*, user: User, data: dict[str, Any], members: list[MemberChange]) -> Household:
    """Register a household with its members. `data` holds HOUSEHOLD_FIELDS."""
    _require_entry_rights(user)
    data = _apply_rules(data=data, members=members)
    _check_village(user=user, village_id=data["village_id"])
    message = no_kk_registered_message(no_kk=data["no_kk"], user=user)
    if message:
        raise ValidationError({"no_kk": message})
    _check_members(user=user, household=None, members=members)
    household = Household(created_by=user, **data)
    with unique_errors(Household, no_kk=lambda: _no_kk_taken(user=user, no_kk=household.no_kk)):
        household.save()
    _apply_members(user=user, household=household, members=members)
    _head_name_refresh(household)
    households_changed.send(sender=Household, household_ids=[household.pk])
    return household


def _member_label(member: Member) -> str:
    return f"{member.name} ({member.nik})"


def _member_differences(household: Household, members: list[MemberChange]) -> list[Difference]:
    """The members part of a stale household form: who was added, removed or changed meanwhile."""
    stored = {member.pk: member for member in household.members.all()}
    found = []
    for change in members:
        if change.id is None:
            if not change.delete:
                yours = f"{change.data.get('name', '')} ({change.data.get('nik', '')})"
                found.append(Difference(label=_("Anggota baru"), theirs="—", yours=yours))
            continue
        member = stored.get(change.id)
        if member is None:
            found.append(Difference(label=_("Anggota"), theirs=_("sudah dihapus"), yours=change.data.get("name", "")))
        elif change.delete:
            found.append(Difference(label=_("Anggota"), theirs=_member_label(member), yours=_("dihapus")))
        else:
            found += differences(member, change.data, prefix=f"{member.name}: ")
    submitted = {change.id for change in members}
    for pk, member in stored.items():
        if pk not in submitted:
            found.append(Difference(label=_("Anggota"), theirs=_member_label(member), yours=_("tidak ada di formulir")))
    return found


def _head_name_refresh(household: Household) -> None:
    """After a write of members: the household's copy of its head's name (HouseholdQuerySet.refresh_head_name)."""
    Household.objects.filter(pk=household.pk).refresh_head_name()
    household.refresh_from_db(fields=["head_name"])


def _household_bump(household_id: int) -> None:
    """A write that changes a household's members moves the household's version on as well."""
    Household.objects.filter(pk=household_id).update(version=F("version") + 1)


@transaction.atomic
def household_update(
    *,
    user: User,
    household: Household,
    data: dict[str, Any],
    members: list[MemberChange],
    version: int | None = None,
) -> Household:
    """Save the household form. `version` is the household's version the form was opened on:
    if someone saved meanwhile and the input differs from what they saved, `StaleEdit`."""
    _require_entry_rights(user)
    data = _apply_rules(data=data, members=members)
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    version_check(
        household,
        version=version,
        submitted=data,
        more=lambda: _member_differences(household, members),
        last_change=household_history(household).last_change,
    )
    _check_village(user=user, village_id=data.get("village_id", household.village_id))
    if "no_kk" in data:
        message = no_kk_registered_message(no_kk=data["no_kk"], user=user, exclude_household_id=household.pk)
        if message:
            raise ValidationError({"no_kk": message})
    _check_members(user=user, household=household, members=members)
    changed = _differs(household, data)
    for name, value in data.items():
        setattr(household, name, value)
    with unique_errors(Household, no_kk=lambda: _no_kk_taken(user=user, no_kk=household.no_kk, household=household)):
        # The version moves on with every save, also one that only changes members; so does the
        # change time, which the API's `updated_since` sync reads.
        household.save(update_fields=None if changed else ["version", "updated_at"])
    _apply_members(user=user, household=household, members=members)
    _head_name_refresh(household)
    households_changed.send(sender=Household, household_ids=[household.pk])
    return household


def _no_kk_taken(*, user: User, no_kk: str, household: Household | None = None) -> dict[str, Any]:
    """The form's message for a No. KK another save took meanwhile."""
    exclude = household.pk if household is not None else None
    message = no_kk_registered_message(no_kk=no_kk, user=user, exclude_household_id=exclude)
    return {"no_kk": message or _("No. KK ini sudah terdaftar.")}


def _nik_taken(*, user: User, nik: str) -> dict[str, Any]:
    return {"nik": nik_registered_message(nik=nik, user=user) or _("NIK ini sudah terdaftar.")}


@transaction.atomic
def household_deactivate(
    *, user: User, household: Household, reason: str, note: str = "", duplicate_of: Household | None = None
) -> Household:
    """Households are never deleted: they leave the active register with a reason."""
    _require_entry_rights(user)
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    if not household.is_active:
        raise ValidationError(_("Keluarga ini sudah nonaktif."))
    if reason not in DeactivationReason.values:
        raise ValidationError({"reason": _("Alasan nonaktif tidak dikenal.")})
    household.is_active = False
    household.deactivation_reason = reason
    household.deactivation_note = note
    household.deactivated_at = timezone.now()
    household.duplicate_of = duplicate_of
    household.version += 1
    household.save(
        update_fields=[
            "version",
            "is_active",
            "deactivation_reason",
            "deactivation_note",
            "deactivated_at",
            "duplicate_of",
            "updated_at",
        ]
    )
    return household


BULK_FIELDS = {"receives_pkh", "receives_bpnt", "receives_pbi_jk", "desil"}


@transaction.atomic
def households_bulk_update(*, user: User, household_ids: list[int], changes: dict[str, Any]) -> int:
    """Set programme flags or the desil on many active households at once; returns how many changed."""
    _require_entry_rights(user)
    if not changes or set(changes) - BULK_FIELDS:
        raise ValidationError(_("Perubahan massal ini tidak didukung."))
    changes = _apply_rules(data=changes)
    households = list(
        Household.objects.visible_to(user).active().filter(pk__in=household_ids).select_for_update().order_by("pk")
    )
    changed_ids = [household.pk for household in households if _differs(household, changes)]
    # One UPDATE; the trail's triggers record each household's values before and after it.
    Household.objects.filter(pk__in=changed_ids).update(**changes, updated_at=timezone.now(), version=F("version") + 1)
    households_changed.send(sender=Household, household_ids=changed_ids)
    return len(changed_ids)


# --- Possible duplicates ------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    a: Member
    b: Member


POSSIBLE_DUPLICATES_SQL = """
    SELECT m1.id, m2.id
    FROM beneficiaries_member m1
    JOIN beneficiaries_household h1 ON h1.id = m1.household_id
    JOIN beneficiaries_member m2
      ON m2.name_normalized = m1.name_normalized AND m2.birth_date = m1.birth_date AND m2.nik > m1.nik
    JOIN beneficiaries_household h2 ON h2.id = m2.household_id
    WHERE substr(h1.region_code, 1, 8) = substr(h2.region_code, 1, 8)
      AND h1.is_active AND h2.is_active
      AND {scope}
      AND NOT EXISTS (
        SELECT 1 FROM beneficiaries_duplicatedecision d WHERE d.nik_a = m1.nik AND d.nik_b = m2.nik
      )
    ORDER BY h1.region_code, m1.name_normalized, m1.nik
    LIMIT %s
"""


def possible_duplicates(*, user: User, limit: int = 200) -> list[DuplicatePair]:
    """Members with the same normalised name and birth date in one kecamatan, not yet decided."""
    if user.is_mentor or user.scope.empty:
        return []
    scope, params = user.scope.sql("h1.region_code")
    with connection.cursor() as cursor:
        cursor.execute(POSSIBLE_DUPLICATES_SQL.format(scope=scope), [*params, limit])  # noqa: S608 - scope is ours
        pairs = cursor.fetchall()
    ids = {pk for pair in pairs for pk in pair}
    members = Member.objects.visible_to(user).select_related("household__village").in_bulk(ids)
    return [DuplicatePair(members[a], members[b]) for a, b in pairs if a in members and b in members]


def _ordered(nik_a: str, nik_b: str) -> tuple[str, str]:
    return (nik_a, nik_b) if nik_a < nik_b else (nik_b, nik_a)


def _pair_in_scope(*, user: User, nik_a: str, nik_b: str) -> tuple[Member, Member]:
    members = {
        m.nik: m for m in Member.objects.visible_to(user).select_related("household").filter(nik__in=[nik_a, nik_b])
    }
    if len(members) != 2 or nik_a == nik_b:
        raise Member.DoesNotExist
    a, b = members[nik_a], members[nik_b]
    if normalize_name(a.name) != normalize_name(b.name) or a.birth_date != b.birth_date:
        raise ValidationError(_("Kedua anggota ini bukan kemungkinan duplikat."))
    return a, b


@transaction.atomic
def duplicate_mark_distinct(*, user: User, nik_a: str, nik_b: str) -> DuplicateDecision:
    """The officer checked: two people who share a name and birth date. The pair leaves the review list."""
    _require_entry_rights(user)
    a, _b = _pair_in_scope(user=user, nik_a=nik_a, nik_b=nik_b)
    first, second = _ordered(nik_a, nik_b)
    decision, _created = DuplicateDecision.objects.update_or_create(
        nik_a=first,
        nik_b=second,
        defaults={
            "verdict": DuplicateDecision.Verdict.DISTINCT,
            "decided_by": user,
            "region_code": a.household.region_code,
        },
    )
    return decision


@transaction.atomic
def duplicate_merge(*, user: User, keep_nik: str, discard_nik: str) -> Member:
    """One person registered twice: the discarded record goes, and its household when nobody is left in it."""
    _require_entry_rights(user)
    keep, discard = _pair_in_scope(user=user, nik_a=keep_nik, nik_b=discard_nik)
    household = discard.household
    discard.delete()
    _household_bump(household.pk)
    _head_name_refresh(household)
    if household.pk != keep.household_id and not household.members.exists():
        household_deactivate(
            user=user,
            household=household,
            reason=DeactivationReason.DUPLICATE,
            note=_("Digabung ke keluarga No. KK %(no_kk)s.") % {"no_kk": keep.household.no_kk},
            duplicate_of=keep.household,
        )
    first, second = _ordered(keep_nik, discard_nik)
    DuplicateDecision.objects.update_or_create(
        nik_a=first,
        nik_b=second,
        defaults={
            "verdict": DuplicateDecision.Verdict.MERGED,
            "decided_by": user,
            "region_code": keep.household.region_code,
        },
    )
    # The discarded member's household lost a member (the kept one is unchanged).
    households_changed.send(sender=Household, household_ids=[household.pk])
    return keep
