"""KUBE workflows: creation, lifecycle, membership, grants, business reports and KUR referral.

Every function takes keyword arguments, runs in one transaction, re-reads the KUBE
through the acting user's scope (a KUBE outside it raises `Kube.DoesNotExist`, which
views turn into 404) and writes a `KubeStatusChange` whenever the status moves.
"""

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.models import Household
from groups import maturity
from groups.models import (
    OCCUPYING_STATUSES,
    OFFICER_ROLES,
    BusinessReport,
    Grant,
    Kube,
    KubeStatusChange,
    KurStatus,
    MaturityLevel,
    MemberRole,
    Membership,
    Status,
    StatusNote,
)
from groups.permissions import TRANSITIONS, can_edit_kube, can_report_business, can_take_transition
from groups.signals import kube_maturity_changed, memberships_changed
from kube_portal.concurrency import stored_resend, version_check
from kube_portal.dates import month_start
from kube_portal.integrity import unique_errors
from regions.models import Level, Region

MIN_MEMBERS = 5
MAX_MEMBERS = 20

KUBE_FIELDS = (
    "name",
    "program",
    "business_type",
    "business_field",
    "kecamatan",
    "secretariat_village",
    "secretariat_address",
    "founded_on",
    "bank_name",
    "bank_account_number",
    "bank_account_holder",
    "plan_regional_potential",
    "plan_raw_materials",
    "plan_skills",
    "plan_marketing",
)


def _locked(kube: Kube, user: User) -> Kube:
    """The KUBE re-read through the user's scope with its row locked."""
    return Kube.objects.visible_to(user).select_for_update().get(pk=kube.pk)


def _require_registry_editor(user: User) -> None:
    if not can_edit_kube(user):
        raise PermissionDenied(_("Hanya Dinas Sosial kabupaten/kota yang dapat mengubah data KUBE."))


def _record_status(
    *,
    kube: Kube,
    user: User,
    to_status: str,
    comment: str = "",
    note: str = "",
    note_params: dict[str, Any] | None = None,
) -> None:
    change = KubeStatusChange.objects.create(
        kube=kube,
        from_status=kube.status,
        to_status=to_status,
        actor=user,
        comment=comment,
        note=note,
        note_params=note_params or {},
    )
    was_active = kube.status == Status.AKTIF
    kube.status = to_status
    kube.status_changed_at = change.at
    kube.version += 1
    kube.save(update_fields=["status", "status_changed_at", "activated_on", "updated_at", "version"])
    if was_active or to_status == Status.AKTIF:
        # Whether a member household's KUBE is active counts for its readiness.
        _announce_members(kube)


def member_household_ids(kube: Kube) -> list[int]:
    """Households that are members of the KUBE now (a leaving date still in the future counts)."""
    today = timezone.localdate()
    return list(
        kube.memberships.filter(Q(left_on__isnull=True) | Q(left_on__gt=today), joined_on__lte=today)
        .values_list("household_id", flat=True)
        .distinct()
    )


def _announce_members(kube: Kube, household_ids: list[int] | None = None) -> None:
    ids = member_household_ids(kube) if household_ids is None else household_ids
    if ids:
        memberships_changed.send(sender=Membership, household_ids=ids)


def _check_location(*, user: User, kecamatan: Region, village: Region | None) -> None:
    errors = {}
    if kecamatan.level != Level.KECAMATAN or not Region.objects.visible_to(user).filter(pk=kecamatan.pk).exists():
        errors["kecamatan"] = _("Pilih kecamatan di wilayah Anda.")
    elif village is not None and (village.level != Level.VILLAGE or village.parent_id != kecamatan.pk):
        errors["secretariat_village"] = _("Desa/kelurahan sekretariat harus berada di kecamatan KUBE.")
    if errors:
        raise ValidationError(errors)


# --- Registry ---------------------------------------------------------------------------------


@transaction.atomic
def kube_create(*, user: User, data: dict[str, Any]) -> Kube:
    """A new KUBE in draft, numbered from its kab/kota sequence."""
    _require_registry_editor(user)
    _check_location(user=user, kecamatan=data["kecamatan"], village=data.get("secretariat_village"))
    kube = Kube(created_by=user, **{field: data[field] for field in KUBE_FIELDS if field in data})
    kube.save()
    KubeStatusChange.objects.create(kube=kube, from_status="", to_status=Status.DRAFT, actor=user)
    return kube


@transaction.atomic
def kube_update(*, kube: Kube, user: User, data: dict[str, Any], version: int | None = None) -> Kube:
    """Save the KUBE form; `version` is the KUBE's version the form was opened on (`StaleEdit` if stale)."""
    _require_registry_editor(user)
    kube = _locked(kube, user)
    version_check(kube, version=version, submitted={f: data[f] for f in KUBE_FIELDS if f in data})
    if not kube.is_editable:
        # Once proposed, the reviewed data stays as reviewed; only a returned or draft KUBE changes.
        locked_fields = set(data) - {"bank_name", "bank_account_number", "bank_account_holder", "secretariat_address"}
        if any(getattr(kube, field) != data[field] for field in locked_fields if field in KUBE_FIELDS):
            raise ValidationError(
                _("KUBE berstatus %(status)s: hanya rekening dan alamat sekretariat yang dapat diubah.")
                % {"status": kube.get_status_display()}
            )
    _check_location(user=user, kecamatan=data["kecamatan"], village=data.get("secretariat_village"))
    for field in KUBE_FIELDS:
        if field in data:
            setattr(kube, field, data[field])
    kube.save()
    return kube


# --- Lifecycle ---------------------------------------------------------------------------------


def proposal_problems(kube: Kube) -> list[ValidationError]:
    """Every rule of Permensos 2/2019 that the KUBE's current members break, by name."""
    members = list(kube.memberships.current().select_related("household").order_by("id"))
    problems = []
    if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        problems.append(
            ValidationError(
                _("Jumlah anggota: harus %(min)d–%(max)d keluarga, saat ini %(count)d."),
                code="member_count",
                params={"min": MIN_MEMBERS, "max": MAX_MEMBERS, "count": len(members)},
            )
        )
    outside = [m.household.no_kk for m in members if not m.household.region_code.startswith(kube.region_code + ".")]
    if outside:
        problems.append(
            ValidationError(
                _("Domisili anggota: keluarga berikut tidak tinggal di %(kecamatan)s: %(households)s."),
                code="outside_kecamatan",
                params={"kecamatan": kube.kecamatan.display_name, "households": ", ".join(outside)},
            )
        )
    for role in OFFICER_ROLES:
        count = sum(1 for m in members if m.role == role)
        if count != 1:
            problems.append(
                ValidationError(
                    _("Pengurus: harus tepat satu %(role)s, saat ini %(count)d."),
                    code=f"one_{role}",
                    params={"role": MemberRole(role).label.lower(), "count": count},
                )
            )
    elsewhere = (
        Membership.objects.current()
        .filter(household__in=[m.household_id for m in members], kube__status__in=OCCUPYING_STATUSES)
        .exclude(kube=kube)
        .select_related("household", "kube")
        .order_by("household__no_kk")
    )
    if elsewhere:
        problems.append(
            ValidationError(
                _(
                    "Keanggotaan ganda: keluarga berikut sudah menjadi anggota KUBE lain yang berjalan atau diusulkan: %(households)s."
                ),
                code="other_kube",
                params={
                    "households": ", ".join(f"{m.household.no_kk} ({m.kube.registration_number})" for m in elsewhere)
                },
            )
        )
    inactive = [m.household.no_kk for m in members if not m.household.is_active]
    if inactive:
        problems.append(
            ValidationError(
                _("Status registri: keluarga berikut tidak aktif di registri KPM: %(households)s."),
                code="inactive_household",
                params={"households": ", ".join(inactive)},
            )
        )
    return problems


@transaction.atomic
def kube_transition(*, kube: Kube, user: User, action: str, comment: str = "") -> Kube:
    """Take one lifecycle step (`usulkan`, `rekomendasikan`, `tetapkan`, `kembalikan`, ...)."""
    transition = TRANSITIONS[action]
    kube = _locked(kube, user)
    if kube.status not in transition.sources:
        raise ValidationError(
            _("KUBE berstatus %(status)s tidak dapat di-%(action)s.")
            % {"status": kube.get_status_display(), "action": str(transition.label).lower()}
        )
    if not can_take_transition(user, transition, kube.status):
        raise PermissionDenied(_("Peran Anda tidak dapat mengambil langkah ini."))
    comment = comment.strip()
    if transition.comment_required and not comment:
        raise ValidationError(_("Alasan wajib diisi."))
    if transition.target == Status.DIUSULKAN:
        problems = proposal_problems(kube)
        if problems:
            raise ValidationError(problems)
    ended = []
    if transition.target == Status.BUBAR:
        ended = list(kube.memberships.current().values_list("household_id", flat=True))
        kube.memberships.current().update(left_on=timezone.localdate(), left_reason=_("KUBE dibubarkan"))
    _record_status(kube=kube, user=user, to_status=transition.target, comment=comment)
    _announce_members(kube, ended)
    return kube


def kube_propose(*, kube: Kube, user: User, comment: str = "") -> Kube:
    return kube_transition(kube=kube, user=user, action="usulkan", comment=comment)


def kube_recommend(*, kube: Kube, user: User, comment: str = "") -> Kube:
    return kube_transition(kube=kube, user=user, action="rekomendasikan", comment=comment)


def kube_establish(*, kube: Kube, user: User, comment: str = "") -> Kube:
    return kube_transition(kube=kube, user=user, action="tetapkan", comment=comment)


def kube_return(*, kube: Kube, user: User, reason: str) -> Kube:
    return kube_transition(kube=kube, user=user, action="kembalikan", comment=reason)


# --- Membership ----------------------------------------------------------------------------------


def _membership_problems(*, kube: Kube, household: Household, role: str) -> list[str]:
    problems = []
    if not household.is_active:
        problems.append(_("Keluarga %(no_kk)s tidak aktif di registri KPM.") % {"no_kk": household.no_kk})
    if not household.region_code.startswith(kube.region_code + "."):
        problems.append(
            _("Keluarga %(no_kk)s tidak tinggal di %(kecamatan)s.")
            % {"no_kk": household.no_kk, "kecamatan": kube.kecamatan.display_name}
        )
    current = Membership.objects.current().filter(household=household).select_related("kube")
    for membership in current:
        if membership.kube_id == kube.pk:
            problems.append(_("Keluarga %(no_kk)s sudah menjadi anggota KUBE ini.") % {"no_kk": household.no_kk})
        elif membership.kube.status in OCCUPYING_STATUSES:
            problems.append(
                _("Keluarga %(no_kk)s sudah menjadi anggota %(kube)s.")
                % {"no_kk": household.no_kk, "kube": membership.kube}
            )
    if kube.memberships.current().count() >= MAX_MEMBERS:
        problems.append(_("KUBE sudah memiliki %(max)d anggota.") % {"max": MAX_MEMBERS})
    if role in OFFICER_ROLES and kube.memberships.current().filter(role=role).exists():
        problems.append(_("Jabatan %(role)s sudah terisi.") % {"role": MemberRole(role).label.lower()})
    return problems


@transaction.atomic
def membership_add(
    *,
    kube: Kube,
    user: User,
    household: Household,
    role: str = MemberRole.ANGGOTA,
    joined_on: datetime.date | None = None,
) -> Membership:
    """Admit a household found in the user's registry scope."""
    _require_registry_editor(user)
    kube = _locked(kube, user)
    household = Household.objects.visible_to(user).get(pk=household.pk)
    if not kube.members_editable:
        raise ValidationError(
            _("Anggota KUBE berstatus %(status)s tidak dapat diubah.") % {"status": kube.get_status_display()}
        )
    problems = _membership_problems(kube=kube, household=household, role=role)
    if problems:
        raise ValidationError(problems)
    membership = Membership.objects.create(
        kube=kube, household=household, role=role, joined_on=joined_on or timezone.localdate()
    )
    _announce_members(kube, [household.pk])
    return membership


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    user: User,
    left_on: datetime.date | None = None,
    reason: str,
    replacement: Household | None = None,
) -> Membership | None:
    """A household leaves; a replacement, if given, takes over its role. Both rows stay as history."""
    _require_registry_editor(user)
    kube = _locked(membership.kube, user)
    membership = kube.memberships.select_for_update().get(pk=membership.pk)
    if not kube.members_editable:
        raise ValidationError(
            _("Anggota KUBE berstatus %(status)s tidak dapat diubah.") % {"status": kube.get_status_display()}
        )
    if membership.left_on is not None:
        raise ValidationError(_("Keluarga ini sudah keluar dari KUBE."))
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ValidationError(_("Tanggal keluar tidak boleh sebelum tanggal bergabung."))
    if not reason.strip():
        raise ValidationError(_("Alasan keluar wajib diisi."))
    membership.left_on = left_on
    membership.left_reason = reason.strip()
    membership.save(update_fields=["left_on", "left_reason"])
    _announce_members(kube, [membership.household_id])
    if replacement is None:
        return None
    successor = membership_add(kube=kube, user=user, household=replacement, role=membership.role, joined_on=left_on)
    membership.replaced_by = successor
    membership.save(update_fields=["replaced_by"])
    return successor


@transaction.atomic
def membership_set_role(*, membership: Membership, user: User, role: str) -> Membership:
    _require_registry_editor(user)
    kube = _locked(membership.kube, user)
    membership = kube.memberships.current().select_for_update().get(pk=membership.pk)
    if not kube.members_editable:
        raise ValidationError(
            _("Anggota KUBE berstatus %(status)s tidak dapat diubah.") % {"status": kube.get_status_display()}
        )
    if role in OFFICER_ROLES and kube.memberships.current().filter(role=role).exclude(pk=membership.pk).exists():
        raise ValidationError(_("Jabatan %(role)s sudah terisi.") % {"role": MemberRole(role).label.lower()})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# --- Grants, reports, KUR ----------------------------------------------------------------------


def _reference_taken() -> str:
    return _("Referensi transfer ini sudah tercatat.")


@transaction.atomic
def grant_record(
    *,
    kube: Kube,
    user: User,
    amount: int,
    disbursed_on: datetime.date,
    transfer_reference: str,
    stage: str,
) -> Grant:
    """Record a disbursement; the first one makes an approved (ditetapkan) KUBE active."""
    _require_registry_editor(user)
    kube = _locked(kube, user)
    if kube.status not in (Status.DITETAPKAN, Status.AKTIF, Status.NONAKTIF):
        raise ValidationError(_("Bantuan hanya dapat disalurkan kepada KUBE yang telah ditetapkan."))
    if amount <= 0:
        raise ValidationError(_("Nilai bantuan harus lebih dari nol."))
    if Grant.objects.filter(transfer_reference=transfer_reference).exists():
        raise ValidationError(_reference_taken())
    with unique_errors(Grant, transfer_reference=_reference_taken):
        grant = Grant.objects.create(
            kube=kube,
            amount=amount,
            disbursed_on=disbursed_on,
            transfer_reference=transfer_reference,
            stage=stage,
            # Where the money went, as the KUBE's account stood at this moment (it may change later).
            bank_name=kube.bank_name,
            bank_account_number=kube.bank_account_number,
            bank_account_holder=kube.bank_account_holder,
            recorded_by=user,
        )
    if kube.status == Status.DITETAPKAN:
        kube.activated_on = disbursed_on
        _record_status(
            kube=kube,
            user=user,
            to_status=Status.AKTIF,
            note=StatusNote.FIRST_GRANT,
            note_params={"reference": transfer_reference},
        )
    return grant


REPORT_FIELDS = (
    "revenue",
    "costs",
    "cash",
    "group_savings",
    "assets_value",
    "members_present",
    "hens",
    "eggs_produced_kg",
    "eggs_sold_kg",
    "notes",
)


@transaction.atomic
def report_save(
    *,
    kube: Kube,
    user: User,
    month: datetime.date,
    data: dict[str, Any],
    must_be_new: bool = False,
    client_uuid: uuid.UUID | None = None,
) -> BusinessReport:
    """Enter or correct the business report of one month of an active KUBE.

    `must_be_new`: the "new report" form, which must not overwrite a report entered meanwhile.
    `client_uuid`: the client's code of the report (the field app); a resend returns the stored report.
    """
    if not can_report_business(user):
        raise PermissionDenied(_("Peran Anda tidak dapat mengisi laporan usaha."))
    kube = _locked(kube, user)
    # The KUBE's lock serialises a resend racing its first request.
    existing = stored_resend(
        BusinessReport,
        client_uuid,
        is_same_record=lambda stored: stored.kube_id == kube.pk,
        taken=ValidationError({"client_uuid": _("Kode formulir ini sudah dipakai untuk laporan lain.")}),
    )
    if existing is not None:
        return existing
    if kube.status not in (Status.AKTIF, Status.NONAKTIF):
        raise ValidationError(_("Laporan usaha hanya untuk KUBE yang aktif."))
    month = month_start(month)
    if month > timezone.localdate():
        raise ValidationError(_("Bulan laporan tidak boleh di masa depan."))
    if must_be_new and kube.reports.filter(month=month).exists():
        raise ValidationError({"month": _("Laporan bulan ini sudah ada; ubah laporan tersebut.")})
    values = {field: data[field] for field in REPORT_FIELDS if field in data}
    if not kube.program.tracks_eggs:
        values.update(hens=None, eggs_produced_kg=None, eggs_sold_kg=None)
    report, _created = BusinessReport.objects.update_or_create(
        kube=kube,
        month=month,
        defaults={**values, "reported_by": user},
        create_defaults={**values, "reported_by": user, **({"client_uuid": client_uuid} if client_uuid else {})},
    )
    report.refresh_from_db(fields=["profit"])
    if kube.status == Status.AKTIF:
        # The level (and the members' readiness, through the signal) follows the report at once.
        kube_maturity_refresh(kube=kube)
    return report


@transaction.atomic
def kube_refer_to_kur(
    *, kube: Kube, user: User, bank: str, amount: int | None, status: str = KurStatus.DIRUJUK
) -> Kube:
    """Refer a KUBE Maju to a KUR (Kredit Usaha Rakyat) bank, or record the bank's answer."""
    _require_registry_editor(user)
    kube = _locked(kube, user)
    if not kube.kur_status and not (kube.status == Status.AKTIF and kube.maturity_level == MaturityLevel.MAJU):
        raise ValidationError(_("Hanya KUBE aktif dengan tingkat Maju yang dapat dirujuk ke KUR."))
    kube.kur_bank = bank
    kube.kur_amount = amount
    kube.kur_status = status
    kube.kur_referred_on = kube.kur_referred_on or timezone.localdate()
    kube.version += 1
    kube.save(update_fields=["kur_bank", "kur_amount", "kur_status", "kur_referred_on", "updated_at", "version"])
    return kube


@transaction.atomic
def kube_maturity_refresh(*, kube: Kube, as_of: datetime.date | None = None) -> Kube:
    """Classify one active KUBE now with the Python engine, as the nightly run would, and announce it.

    The caller has checked the user's rights; the KUBE's row is locked here.
    """
    kube = Kube.objects.select_for_update().get(pk=kube.pk)
    if kube.status != Status.AKTIF:
        raise ValidationError(_("Tingkat kematangan hanya dihitung untuk KUBE aktif."))
    as_of = as_of or timezone.localdate()
    # Not a form edit: like the nightly run, a classification leaves the KUBE's version alone.
    changed = maturity.store_classification(kube, maturity.classify_kube(kube, as_of=as_of), as_of=as_of)
    kube_maturity_changed.send(sender=Kube, kube=kube, level_changed=changed)
    return kube


@transaction.atomic
def kube_classify_maturity(*, kube: Kube, user: User, as_of: datetime.date | None = None) -> Kube:
    """Re-classify one active KUBE on the officer's request (the nightly job does all of them set-based)."""
    _require_registry_editor(user)
    kube = _locked(kube, user)
    return kube_maturity_refresh(kube=kube, as_of=as_of)
