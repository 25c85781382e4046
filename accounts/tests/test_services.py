"""Who may manage whom, and the services that write logins."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import capfirst

from accounts import services
from accounts.history import user_history
from accounts.models import Role, User
from accounts.tests.factories import NEW_PASSWORD, MentorFactory, UserFactory
from audit.tests.helpers import changes, entries
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


def label(field: str) -> str:
    return str(capfirst(User._meta.get_field(field).verbose_name))


# --- user_create ----------------------------------------------------------------------------


def test_district_officer_creates_a_mentor_login_in_its_city(officer_bandung, regions):
    user = create(officer_bandung, region=regions[KOTA_BANDUNG])

    user.refresh_from_db()
    assert user.role == Role.PENDAMPING
    assert user.region_id == KOTA_BANDUNG
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    (entry,) = entries(user_history(user), officer_bandung)
    assert entry.action == "Dibuat"
    assert changes(entry)["Wilayah"] == (None, "Kota Bandung")
    # Never the password hash (nor any trace of it).
    assert not any("pbkdf2" in str(value) or "md5" in str(value) for value in changes(entry).values())
    assert label("password") not in changes(entry)


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
    latest = entries(user_history(mentor_bandung), officer_jabar)[0]
    assert latest.action == "Diubah"
    assert changes(latest)["Wilayah"] == ("Kota Bandung", "Kabupaten Garut")
    assert changes(latest)[label("first_name")][1] == "Dewi Uji"


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
    services.user_reactivate(manager=officer_bandung, user=mentor_bandung)
    mentor_bandung.refresh_from_db()
    assert mentor_bandung.is_active
    updates = [changes(e) for e in entries(user_history(mentor_bandung), officer_bandung) if e.action == "Diubah"]
    assert updates == [{label("is_active"): ("Tidak", "Ya")}, {label("is_active"): ("Ya", "Tidak")}]


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
    # Recorded as a fact, without the hash: the entry changes nothing that the page would show.
    (reset,) = [e for e in entries(user_history(mentor_bandung), officer_bandung) if e.action == "Kata sandi diubah"]
    assert reset.changes == []


def test_leaving_the_admin_role_ends_admin_powers(admin_user, regions):
    other_admin = UserFactory(username="admin_kedua", role=Role.ADMIN, is_staff=True, is_superuser=True)

    services.user_update(manager=admin_user, user=other_admin, role=Role.DINSOS_KABKOTA, region=regions[KAB_GARUT])

    other_admin.refresh_from_db()
    assert not other_admin.is_staff and not other_admin.is_superuser
    assert other_admin.scope.prefixes == (KAB_GARUT,)
    latest = entries(user_history(other_admin), admin_user)[0]
    assert changes(latest)[label("is_superuser")] == ("Ya", "Tidak")
