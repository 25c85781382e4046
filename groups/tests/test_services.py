import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from accounts.tests.factories import UserFactory
from beneficiaries.models import Household
from groups import services
from groups.models import Kube, KubeStatusChange, MaturityLevel, MemberRole, Membership, Status
from groups.tests.factories import (
    GARUT_KECAMATAN,
    KubeFactory,
    MembershipFactory,
    complete_members,
    household_in,
)

pytestmark = pytest.mark.django_db


def proposal_codes(excinfo) -> set[str]:
    return {error.code for error in excinfo.value.error_list}


@pytest.fixture
def kube_bandung(regions):
    kube = KubeFactory()
    complete_members(kube, 5)
    return kube


def move(kube, status):
    Kube.objects.filter(pk=kube.pk).update(status=status)
    kube.refresh_from_db()
    return kube


# --- creation ------------------------------------------------------------------------------


def test_district_officer_creates_draft_in_own_kecamatan(officer_bandung, regions):
    from groups.models import BusinessField, Program
    from regions.models import Region

    data = {
        "name": "KUBE Sukarasa Mandiri",
        "program": Program.objects.get(code="reguler"),
        "business_type": "perdagangan",
        "business_field": BusinessField.objects.get(name="Warung sembako"),
        "kecamatan": Region.objects.get(code="32.73.01"),
        "secretariat_village": Region.objects.get(code="32.73.01.1001"),
    }
    kube = services.kube_create(user=officer_bandung, data=data)
    assert kube.status == Status.DRAFT
    assert kube.registration_number.startswith("KUBE-3273-")
    assert kube.status_changes.get().to_status == Status.DRAFT

    with pytest.raises(ValidationError) as excinfo:
        services.kube_create(user=officer_bandung, data={**data, "kecamatan": Region.objects.get(code=GARUT_KECAMATAN)})
    assert "kecamatan" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.kube_create(
            user=officer_bandung, data={**data, "secretariat_village": Region.objects.get(code="32.73.02.1001")}
        )
    assert "secretariat_village" in excinfo.value.message_dict


def test_only_the_district_office_creates(officer_jabar, direktorat_user, mentor_bandung, regions):
    for user in (officer_jabar, direktorat_user, mentor_bandung):
        with pytest.raises(PermissionDenied):
            services.kube_create(user=user, data={})


# --- proposal rules -----------------------------------------------------------------------------


def test_a_complete_kube_is_proposed_with_its_history(kube_bandung, officer_bandung):
    services.kube_propose(kube=kube_bandung, user=officer_bandung, comment="Siap diverifikasi")
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == Status.DIUSULKAN
    change = kube_bandung.status_changes.first()
    assert (change.from_status, change.to_status, change.actor, change.comment) == (
        Status.DRAFT,
        Status.DIUSULKAN,
        officer_bandung,
        "Siap diverifikasi",
    )


def test_every_broken_rule_is_reported_at_once(regions, officer_bandung):
    kube = KubeFactory()
    # Two members only, no sekretaris or bendahara, one living in another kecamatan, one inactive.
    MembershipFactory(kube=kube, role=MemberRole.KETUA, household=household_in("32.73.02"))
    inactive = MembershipFactory(kube=kube).household
    Household.objects.filter(pk=inactive.pk).update(is_active=False, deactivation_reason="pindah")
    other = KubeFactory(status=Status.AKTIF)
    MembershipFactory(kube=other, household=inactive)

    with pytest.raises(ValidationError) as excinfo:
        services.kube_propose(kube=kube, user=officer_bandung)
    assert proposal_codes(excinfo) == {
        "member_count",
        "outside_kecamatan",
        "one_sekretaris",
        "one_bendahara",
        "other_kube",
        "inactive_household",
    }
    messages = excinfo.value.messages
    assert "Jumlah anggota: harus 5–20 keluarga, saat ini 2." in messages
    assert "Pengurus: harus tepat satu sekretaris, saat ini 0." in messages
    assert any(m.startswith("Domisili anggota:") and "Sukasari" in m for m in messages)
    assert any(m.startswith("Keanggotaan ganda:") and other.registration_number in m for m in messages)
    assert any(m.startswith("Status registri:") and inactive.no_kk in m for m in messages)
    kube.refresh_from_db()
    assert kube.status == Status.DRAFT
    assert not kube.status_changes.exists()


def test_more_than_twenty_members_is_refused(regions, officer_bandung):
    kube = KubeFactory()
    complete_members(kube, 21)
    with pytest.raises(ValidationError) as excinfo:
        services.kube_propose(kube=kube, user=officer_bandung)
    assert proposal_codes(excinfo) == {"member_count"}


def test_a_missing_ketua_is_named(regions, officer_bandung):
    kube = KubeFactory()
    for membership in complete_members(kube, 6):
        if membership.role == MemberRole.KETUA:
            membership.role = MemberRole.ANGGOTA
            membership.save()
    with pytest.raises(ValidationError) as excinfo:
        services.kube_propose(kube=kube, user=officer_bandung)
    assert excinfo.value.messages == ["Pengurus: harus tepat satu ketua, saat ini 0."]


@pytest.mark.parametrize("other_status", [Status.DIUSULKAN, Status.AKTIF])
def test_a_household_in_another_running_or_proposed_kube_blocks(kube_bandung, officer_bandung, other_status):
    shared = kube_bandung.memberships.first().household
    MembershipFactory(kube=KubeFactory(status=other_status), household=shared)
    with pytest.raises(ValidationError) as excinfo:
        services.kube_propose(kube=kube_bandung, user=officer_bandung)
    assert proposal_codes(excinfo) == {"other_kube"}


def test_a_household_in_another_draft_does_not_block(kube_bandung, officer_bandung):
    MembershipFactory(kube=KubeFactory(), household=kube_bandung.memberships.first().household)
    services.kube_propose(kube=kube_bandung, user=officer_bandung)


def test_members_who_left_do_not_count(kube_bandung, officer_bandung):
    gone = MembershipFactory(kube=kube_bandung, household=household_in("32.73.02"))
    gone.left_on = datetime.date(2025, 2, 1)
    gone.save()
    services.kube_propose(kube=kube_bandung, user=officer_bandung)


# --- transitions by role ------------------------------------------------------------------------


def test_the_whole_flow_by_the_right_roles(kube_bandung, officer_bandung, officer_jabar, direktorat_user):
    services.kube_propose(kube=kube_bandung, user=officer_bandung)
    services.kube_recommend(kube=kube_bandung, user=officer_jabar)
    services.kube_establish(kube=kube_bandung, user=direktorat_user)
    services.grant_record(
        kube=kube_bandung,
        user=officer_bandung,
        amount=20_000_000,
        disbursed_on=datetime.date(2025, 3, 3),
        transfer_reference="SP2D-001",
        stage="sekaligus",
    )
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == Status.AKTIF
    assert kube_bandung.activated_on == datetime.date(2025, 3, 3)
    steps = list(kube_bandung.status_changes.order_by("id").values_list("to_status", "actor__username"))
    assert steps == [
        (Status.DIUSULKAN, "dinsos_bandung"),
        (Status.DIREKOMENDASIKAN, "dinsos_jabar"),
        (Status.DITETAPKAN, "dit_wilayah1"),
        (Status.AKTIF, "dinsos_bandung"),
    ]
    # A second tranche does not change the status again.
    services.grant_record(
        kube=kube_bandung,
        user=officer_bandung,
        amount=5_000_000,
        disbursed_on=datetime.date(2025, 6, 3),
        transfer_reference="SP2D-002",
        stage="tahap_2",
    )
    assert kube_bandung.status_changes.count() == 4


@pytest.mark.parametrize(
    ("status", "action", "wrong_roles"),
    [
        (Status.DRAFT, "usulkan", ["officer_jabar", "direktorat_user"]),
        (Status.DIUSULKAN, "rekomendasikan", ["officer_bandung", "direktorat_user"]),
        (Status.DIREKOMENDASIKAN, "tetapkan", ["officer_bandung", "officer_jabar"]),
        (Status.DIUSULKAN, "kembalikan", ["officer_bandung", "direktorat_user"]),
        (Status.DIREKOMENDASIKAN, "kembalikan", ["officer_bandung", "officer_jabar"]),
        (Status.AKTIF, "nonaktifkan", ["officer_jabar", "direktorat_user"]),
        (Status.AKTIF, "bubarkan", ["officer_jabar", "direktorat_user"]),
        (Status.NONAKTIF, "aktifkan-kembali", ["officer_jabar", "direktorat_user"]),
        (Status.DIKEMBALIKAN, "jadikan-draf", ["officer_jabar", "direktorat_user"]),
        (Status.DIKEMBALIKAN, "usulkan", ["officer_jabar", "direktorat_user"]),
    ],
)
def test_a_wrong_role_is_refused(request, kube_bandung, status, action, wrong_roles):
    move(kube_bandung, status)
    for name in wrong_roles:
        with pytest.raises(PermissionDenied):
            services.kube_transition(kube=kube_bandung, user=request.getfixturevalue(name), action=action, comment="x")
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == status


@pytest.mark.parametrize(
    ("status", "action", "outsider"),
    [
        (Status.DRAFT, "usulkan", "officer_garut"),
        (Status.DIUSULKAN, "rekomendasikan", "outside_province"),
        (Status.DIREKOMENDASIKAN, "tetapkan", "outside_directorate"),
        (Status.DIUSULKAN, "kembalikan", "outside_province"),
        (Status.DIREKOMENDASIKAN, "kembalikan", "outside_directorate"),
        (Status.AKTIF, "nonaktifkan", "officer_garut"),
        (Status.AKTIF, "bubarkan", "officer_garut"),
        (Status.DIKEMBALIKAN, "usulkan", "officer_garut"),
    ],
)
def test_outside_scope_is_not_found(request, kube_bandung, regions, status, action, outsider):
    move(kube_bandung, status)
    if outsider == "officer_garut":
        user = request.getfixturevalue("officer_garut")
    elif outsider == "outside_province":
        user = UserFactory(role=Role.DINSOS_PROVINSI, region=regions["31.71"].parent)
    else:
        from regions.models import DirectorateArea

        area = DirectorateArea.objects.create(code="wilayah-x", name="Wilayah X")
        area.provinces.add(regions["31.71"].parent)
        user = UserFactory(role=Role.DIREKTORAT, directorate_area=area)
    with pytest.raises(Kube.DoesNotExist):
        services.kube_transition(kube=kube_bandung, user=user, action=action, comment="x")


def test_return_needs_a_reason_and_allows_reproposal(kube_bandung, officer_bandung, officer_jabar, direktorat_user):
    services.kube_propose(kube=kube_bandung, user=officer_bandung)
    with pytest.raises(ValidationError, match="Alasan wajib diisi"):
        services.kube_return(kube=kube_bandung, user=officer_jabar, reason="  ")
    services.kube_return(kube=kube_bandung, user=officer_jabar, reason="Rekening belum atas nama kelompok")
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == Status.DIKEMBALIKAN
    assert kube_bandung.status_changes.first().comment == "Rekening belum atas nama kelompok"
    # Fixed and proposed again, then returned by the directorate, then set back to draft.
    services.kube_propose(kube=kube_bandung, user=officer_bandung)
    services.kube_recommend(kube=kube_bandung, user=officer_jabar)
    services.kube_return(kube=kube_bandung, user=direktorat_user, reason="Rencana usaha belum lengkap")
    services.kube_transition(kube=kube_bandung, user=officer_bandung, action="jadikan-draf")
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == Status.DRAFT


def test_a_step_from_the_wrong_status_is_refused(kube_bandung, officer_jabar, direktorat_user):
    with pytest.raises(ValidationError):
        services.kube_recommend(kube=kube_bandung, user=officer_jabar)
    with pytest.raises(ValidationError):
        services.kube_establish(kube=kube_bandung, user=direktorat_user)


def test_a_grant_before_approval_is_refused(kube_bandung, officer_bandung):
    move(kube_bandung, Status.DIREKOMENDASIKAN)
    with pytest.raises(ValidationError):
        services.grant_record(
            kube=kube_bandung,
            user=officer_bandung,
            amount=20_000_000,
            disbursed_on=datetime.date(2025, 3, 3),
            transfer_reference="SP2D-009",
            stage="sekaligus",
        )


def test_deactivate_reactivate_and_dissolve(kube_bandung, officer_bandung):
    move(kube_bandung, Status.AKTIF)
    services.kube_transition(kube=kube_bandung, user=officer_bandung, action="nonaktifkan", comment="Usaha berhenti")
    services.kube_transition(kube=kube_bandung, user=officer_bandung, action="aktifkan-kembali")
    services.kube_transition(kube=kube_bandung, user=officer_bandung, action="bubarkan", comment="Anggota pindah")
    kube_bandung.refresh_from_db()
    assert kube_bandung.status == Status.BUBAR
    assert not kube_bandung.memberships.current().exists()
    assert kube_bandung.memberships.count() == 5


def test_admin_may_take_any_step(kube_bandung, admin_user):
    services.kube_propose(kube=kube_bandung, user=admin_user)
    services.kube_recommend(kube=kube_bandung, user=admin_user)
    assert KubeStatusChange.objects.filter(kube=kube_bandung).count() == 2


# --- membership ---------------------------------------------------------------------------------


def test_membership_add_checks_household(regions, officer_bandung):
    kube = KubeFactory()
    ok = household_in("32.73.01", "1002")
    membership = services.membership_add(kube=kube, user=officer_bandung, household=ok, role=MemberRole.KETUA)
    assert membership.role == MemberRole.KETUA

    elsewhere = household_in("32.73.02")
    with pytest.raises(ValidationError, match="tidak tinggal di Kecamatan Sukasari"):
        services.membership_add(kube=kube, user=officer_bandung, household=elsewhere)
    with pytest.raises(ValidationError, match="Jabatan ketua sudah terisi"):
        services.membership_add(kube=kube, user=officer_bandung, household=household_in("32.73.01"), role="ketua")
    with pytest.raises(ValidationError, match="sudah menjadi anggota KUBE ini"):
        services.membership_add(kube=kube, user=officer_bandung, household=ok)
    running = household_in("32.73.01")
    MembershipFactory(kube=KubeFactory(status=Status.AKTIF), household=running)
    with pytest.raises(ValidationError, match="sudah menjadi anggota KUBE"):
        services.membership_add(kube=kube, user=officer_bandung, household=running)


def test_membership_add_outside_registry_scope_is_not_found(regions, officer_bandung):
    garut_household = household_in(GARUT_KECAMATAN)
    with pytest.raises(Household.DoesNotExist):
        services.membership_add(kube=KubeFactory(), user=officer_bandung, household=garut_household)


def test_replacing_a_member_of_an_active_kube_keeps_history(kube_bandung, officer_bandung):
    move(kube_bandung, Status.AKTIF)
    ketua = kube_bandung.memberships.get(role=MemberRole.KETUA)
    newcomer = household_in("32.73.01", "1003")
    successor = services.membership_end(
        membership=ketua,
        user=officer_bandung,
        left_on=datetime.date(2025, 7, 1),
        reason="Pindah domisili",
        replacement=newcomer,
    )
    ketua.refresh_from_db()
    assert (ketua.left_on, ketua.left_reason, ketua.replaced_by) == (
        datetime.date(2025, 7, 1),
        "Pindah domisili",
        successor,
    )
    assert (successor.household, successor.role, successor.joined_on) == (newcomer, MemberRole.KETUA, ketua.left_on)
    assert kube_bandung.memberships.current().count() == 5
    assert Membership.objects.filter(kube=kube_bandung).count() == 6


def test_members_of_a_kube_under_review_are_frozen(kube_bandung, officer_bandung):
    move(kube_bandung, Status.DIUSULKAN)
    with pytest.raises(ValidationError):
        services.membership_add(kube=kube_bandung, user=officer_bandung, household=household_in("32.73.01"))
    with pytest.raises(ValidationError):
        services.membership_end(membership=kube_bandung.memberships.first(), user=officer_bandung, reason="x")


def test_only_the_district_office_changes_members(kube_bandung, officer_jabar):
    with pytest.raises(PermissionDenied):
        services.membership_add(kube=kube_bandung, user=officer_jabar, household=household_in("32.73.01"))


# --- reports and KUR -------------------------------------------------------------------------------


def test_report_save_derives_profit_and_overwrites_the_month(kube_bandung, officer_bandung):
    move(kube_bandung, Status.AKTIF)
    data = {"revenue": 4_000_000, "costs": 3_000_000, "group_savings": 250_000, "hens": 100}
    report = services.report_save(kube=kube_bandung, user=officer_bandung, month=datetime.date(2025, 5, 17), data=data)
    assert (report.month, report.profit, report.hens) == (datetime.date(2025, 5, 1), 1_000_000, None)
    report = services.report_save(
        kube=kube_bandung, user=officer_bandung, month=datetime.date(2025, 5, 1), data={**data, "costs": 4_500_000}
    )
    assert report.profit == -500_000
    assert kube_bandung.reports.count() == 1


def test_report_for_a_draft_is_refused(kube_bandung, officer_bandung, officer_jabar):
    with pytest.raises(ValidationError):
        services.report_save(kube=kube_bandung, user=officer_bandung, month=datetime.date(2025, 5, 1), data={})
    with pytest.raises(PermissionDenied):
        services.report_save(kube=kube_bandung, user=officer_jabar, month=datetime.date(2025, 5, 1), data={})


def test_only_maju_is_referred_to_kur(kube_bandung, officer_bandung):
    move(kube_bandung, Status.AKTIF)
    with pytest.raises(ValidationError):
        services.kube_refer_to_kur(kube=kube_bandung, user=officer_bandung, bank="BRI", amount=50_000_000)
    Kube.objects.filter(pk=kube_bandung.pk).update(maturity_level=MaturityLevel.MAJU)
    kube = services.kube_refer_to_kur(kube=kube_bandung, user=officer_bandung, bank="BRI", amount=50_000_000)
    assert (kube.kur_bank, kube.kur_status) == ("BRI", "dirujuk")


def test_a_proposed_kube_keeps_its_reviewed_data(kube_bandung, officer_bandung):
    from groups.services import KUBE_FIELDS

    move(kube_bandung, Status.DIUSULKAN)
    data = {field: getattr(kube_bandung, field) for field in KUBE_FIELDS}
    services.kube_update(kube=kube_bandung, user=officer_bandung, data={**data, "bank_account_number": "999"})
    kube_bandung.refresh_from_db()
    assert kube_bandung.bank_account_number == "999"
    with pytest.raises(ValidationError, match="hanya rekening"):
        services.kube_update(kube=kube_bandung, user=officer_bandung, data={**data, "name": "Nama lain"})


def test_grants_reports_and_members_outside_scope_are_not_found(kube_bandung, officer_garut):
    move(kube_bandung, Status.DITETAPKAN)
    with pytest.raises(Kube.DoesNotExist):
        services.grant_record(
            kube=kube_bandung,
            user=officer_garut,
            amount=20_000_000,
            disbursed_on=datetime.date(2025, 3, 3),
            transfer_reference="SP2D-X",
            stage="sekaligus",
        )
    move(kube_bandung, Status.AKTIF)
    with pytest.raises(Kube.DoesNotExist):
        services.report_save(kube=kube_bandung, user=officer_garut, month=datetime.date(2025, 5, 1), data={})
    with pytest.raises(Kube.DoesNotExist):
        services.membership_end(membership=kube_bandung.memberships.first(), user=officer_garut, reason="x")
    with pytest.raises(Kube.DoesNotExist):
        services.kube_classify_maturity(kube=kube_bandung, user=officer_garut)
    assert not kube_bandung.grants.exists() and not kube_bandung.reports.exists()
