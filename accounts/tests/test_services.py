"""Who may manage whom, and the services that write logins."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import Role, User, UserAction, UserAuditEntry
from accounts.tests.factories import NEW_PASSWORD, MentorFactory, UserFactory
from conftest import JAKARTA_PUSAT, JAWA_BARAT, KAB_GARUT, KOTA_BANDUNG

pytestmark = pytest.mark.django_db


def create(manager, **overrides):
    kwargs = {
        "username": "baru",
        "password": NEW_PASSWORD,
        "role": Role.PENDAMPING,
        "first_name": "Siti",
        "last_name": "Rahayu",
        **overrides,
    }
    return services.user_create(manager=manager, **kwargs)


# --- the rule -------------------------------------------------------------------------------


def test_who_manages_users(admin_user, direktorat_user, officer_jabar, officer_bandung, mentor_bandung):
    assert services.can_manage_users(admin_user)
    assert services.can_manage_users(officer_jabar)
    assert services.can_manage_users(officer_bandung)
    assert not services.can_manage_users(direktorat_user)
    assert not services.can_manage_users(mentor_bandung)


def test_roles_each_manager_may_assign(admin_user, officer_jabar, officer_bandung, mentor_bandung):
    assert set(services.assignable_roles(admin_user)) == set(Role)
    assert services.assignable_roles(officer_jabar) == (Role.DINSOS_KABKOTA, Role.PENDAMPING)
    assert services.assignable_roles(officer_bandung) == (Role.PENDAMPING,)
    assert services.assignable_roles(mentor_bandung) == ()


def test_regions_a_manager_may_assign_are_in_scope_at_the_roles_level(admin_user, officer_jabar, officer_bandung):
    assert list(services.assignable_regions(officer_bandung).values_list("code", flat=True)) == [KOTA_BANDUNG]
    assert set(services.assignable_regions(officer_jabar).values_list("code", flat=True)) == {KAB_GARUT, KOTA_BANDUNG}
    provinces = services.assignable_regions(admin_user, Role.DINSOS_PROVINSI)
    assert JAWA_BARAT in provinces.values_list("code", flat=True)
    assert not provinces.exclude(level=1).exists()
    # No role is anchored at a kecamatan or village: those never appear.
    assert not services.assignable_regions(admin_user).filter(level__gt=2).exists()


def test_provincial_officer_manages_district_officers_and_mentors_of_its_province(
    admin_user, direktorat_user, officer_jabar, officer_bandung, officer_garut, officer_jakarta, mentor_bandung
):
    other_province_officer = UserFactory(
        username="dinsos_jabar_2", role=Role.DINSOS_PROVINSI, region=officer_jabar.region
    )

    managed = set(services.manageable_users(officer_jabar))

    assert managed == {officer_bandung, officer_garut, mentor_bandung}
    assert other_province_officer not in managed


def test_district_officer_manages_only_the_mentors_of_its_city(officer_bandung, officer_garut, mentor_bandung, regions):
    colleague = UserFactory(username="dinsos_bandung_2", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
    mentor_garut = MentorFactory(region=regions[KAB_GARUT])

    managed = set(services.manageable_users(officer_bandung))

    assert managed == {mentor_bandung}
    assert colleague not in managed and mentor_garut not in managed


def test_admin_manages_everyone_but_itself(admin_user, direktorat_user, officer_jakarta, mentor_bandung):
    managed = set(services.manageable_users(admin_user))
    assert {direktorat_user, officer_jakarta, mentor_bandung} <= managed
    assert admin_user not in managed


# --- user_create ----------------------------------------------------------------------------


def test_district_officer_creates_a_mentor_login_in_its_city(officer_bandung, regions):
    user = create(officer_bandung, region=regions[KOTA_BANDUNG])

    user.refresh_from_db()
    assert user.role == Role.PENDAMPING
    assert user.region_id == KOTA_BANDUNG
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    entry = UserAuditEntry.objects.get(user=user)
    assert entry.actor == officer_bandung
    assert entry.action == UserAction.CREATE
    assert entry.changes["region_id"] == [None, KOTA_BANDUNG]
    assert "password" not in entry.changes


def test_district_officer_cannot_create_a_mentor_in_another_city(officer_bandung, regions):
    with pytest.raises(ValidationError) as error:
        create(officer_bandung, region=regions[KAB_GARUT])
    assert error.value.message_dict == {"region": ["Wilayah ini berada di luar wilayah kerja Anda."]}
    assert not User.objects.filter(username="baru").exists()


def test_district_officer_cannot_create_another_district_officer(officer_bandung, regions):
    with pytest.raises(ValidationError) as error:
        create(officer_bandung, role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
    assert error.value.message_dict == {"role": ["Anda tidak berwenang memberikan peran ini."]}


def test_provincial_officer_cannot_create_an_admin(officer_jabar):
    with pytest.raises(ValidationError) as error:
        create(officer_jabar, role=Role.ADMIN)
    assert "role" in error.value.message_dict
    assert not User.objects.filter(username="baru").exists()


def test_provincial_officer_creates_a_district_officer_anywhere_in_its_province(officer_jabar, regions):
    user = create(officer_jabar, role=Role.DINSOS_KABKOTA, region=regions[KAB_GARUT])
    assert user.region_id == KAB_GARUT


def test_provincial_officer_cannot_use_a_region_of_another_province(officer_jabar, regions):
    with pytest.raises(ValidationError) as error:
        create(officer_jabar, role=Role.DINSOS_KABKOTA, region=regions[JAKARTA_PUSAT])
    assert "region" in error.value.message_dict


def test_a_mentor_needs_a_kabupaten_kota_not_a_province(admin_user, regions):
    with pytest.raises(ValidationError) as error:
        create(admin_user, region=regions[JAWA_BARAT])
    assert error.value.message_dict == {"region": ["Peran ini memerlukan wilayah tingkat Kabupaten/Kota."]}


def test_a_mentor_needs_a_region(admin_user):
    with pytest.raises(ValidationError) as error:
        create(admin_user, region=None)
    assert error.value.message_dict == {"region": ["Peran ini wajib memiliki wilayah."]}


def test_admin_creates_a_directorate_user_and_an_admin(admin_user, wilayah_1, regions):
    direktorat = create(admin_user, username="dit2", role=Role.DIREKTORAT, directorate_area=wilayah_1)
    admin = create(admin_user, username="admin2", role=Role.ADMIN, region=regions[KOTA_BANDUNG])

    assert direktorat.directorate_area == wilayah_1
    assert not direktorat.is_staff
    assert admin.is_staff
    # An admin is national: a region given by mistake is not kept as a scope.
    assert admin.region is None


def test_a_weak_password_is_refused(officer_bandung, regions):
    with pytest.raises(ValidationError) as error:
        create(officer_bandung, region=regions[KOTA_BANDUNG], password="12345678")
    assert "Kata sandi ini terlalu umum." in error.value.messages
    assert not User.objects.filter(username="baru").exists()


# --- user_update, deactivate, reactivate, password ------------------------------------------------


def test_provincial_officer_moves_a_mentor_and_the_change_is_audited(officer_jabar, mentor_bandung, regions):
    services.user_update(
        manager=officer_jabar,
        user=mentor_bandung,
        role=Role.PENDAMPING,
        # Two words: never equal to a generated first name, so the change is always a change.
        first_name="Dewi Uji",
        last_name=mentor_bandung.last_name,
        email=mentor_bandung.email,
        region=regions[KAB_GARUT],
    )

    mentor_bandung.refresh_from_db()
    assert mentor_bandung.region_id == KAB_GARUT
    entry = UserAuditEntry.objects.get(user=mentor_bandung, action=UserAction.UPDATE)
    assert entry.actor == officer_jabar
    assert entry.changes["region_id"] == [KOTA_BANDUNG, KAB_GARUT]
    assert entry.changes["first_name"][1] == "Dewi Uji"


def test_district_officer_cannot_update_a_login_of_another_city(officer_bandung, regions):
    mentor_garut = MentorFactory(region=regions[KAB_GARUT])
    with pytest.raises(PermissionDenied):
        services.user_update(
            manager=officer_bandung, user=mentor_garut, role=Role.PENDAMPING, region=regions[KOTA_BANDUNG]
        )
    mentor_garut.refresh_from_db()
    assert mentor_garut.region_id == KAB_GARUT


def test_provincial_officer_cannot_promote_a_district_officer_to_admin(officer_jabar, officer_garut):
    with pytest.raises(ValidationError):
        services.user_update(manager=officer_jabar, user=officer_garut, role=Role.ADMIN)
    officer_garut.refresh_from_db()
    assert officer_garut.role == Role.DINSOS_KABKOTA
    assert not officer_garut.is_staff


def test_deactivate_keeps_the_login_and_reactivate_restores_it(officer_bandung, mentor_bandung):
    services.user_deactivate(manager=officer_bandung, user=mentor_bandung)
    services.user_deactivate(manager=officer_bandung, user=mentor_bandung)  # twice: no second record

    mentor_bandung.refresh_from_db()
    assert not mentor_bandung.is_active
    assert UserAuditEntry.objects.filter(user=mentor_bandung, action=UserAction.DEACTIVATE).count() == 1

    services.user_reactivate(manager=officer_bandung, user=mentor_bandung)
    mentor_bandung.refresh_from_db()
    assert mentor_bandung.is_active
    assert UserAuditEntry.objects.filter(user=mentor_bandung, action=UserAction.REACTIVATE).count() == 1


def test_nobody_deactivates_themselves(officer_bandung):
    with pytest.raises(PermissionDenied):
        services.user_deactivate(manager=officer_bandung, user=officer_bandung)
    officer_bandung.refresh_from_db()
    assert officer_bandung.is_active


def test_a_mentor_cannot_deactivate_anyone(mentor_bandung, regions):
    other = MentorFactory(region=regions[KOTA_BANDUNG])
    with pytest.raises(PermissionDenied):
        services.user_deactivate(manager=mentor_bandung, user=other)


def test_password_reset_sets_a_validated_password(officer_bandung, mentor_bandung):
    with pytest.raises(ValidationError):
        services.user_password_reset(manager=officer_bandung, user=mentor_bandung, password="pendek")

    services.user_password_reset(manager=officer_bandung, user=mentor_bandung, password=NEW_PASSWORD)

    mentor_bandung.refresh_from_db()
    assert mentor_bandung.check_password(NEW_PASSWORD)
    assert UserAuditEntry.objects.filter(user=mentor_bandung, action=UserAction.PASSWORD_RESET).count() == 1


def test_leaving_the_admin_role_ends_admin_powers(admin_user, regions):
    other_admin = UserFactory(username="admin_kedua", role=Role.ADMIN, is_staff=True, is_superuser=True)

    services.user_update(manager=admin_user, user=other_admin, role=Role.DINSOS_KABKOTA, region=regions[KAB_GARUT])

    other_admin.refresh_from_db()
    assert not other_admin.is_staff and not other_admin.is_superuser
    assert other_admin.scope_prefixes() == [KAB_GARUT]
    entry = UserAuditEntry.objects.get(user=other_admin, action=UserAction.UPDATE)
    assert entry.changes["is_superuser"] == [True, False]
