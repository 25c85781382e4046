"""User management, login and password pages through HTTP, by role and scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.tests.factories import NEW_PASSWORD, PASSWORD, MentorFactory, UserFactory
from conftest import JAKARTA_PUSAT, KAB_GARUT, KOTA_BANDUNG

pytestmark = pytest.mark.django_db

USER_LIST = reverse("accounts:user_list")
USER_CREATE = reverse("accounts:user_create")


def edit_url(user):
    return reverse("accounts:user_edit", args=[user.pk])


def deactivate_url(user):
    return reverse("accounts:user_deactivate", args=[user.pk])


def password_url(user):
    return reverse("accounts:user_password_reset", args=[user.pk])


@pytest.fixture
def mentor_garut(regions):
    return MentorFactory(username="pendamping_garut", region=regions[KAB_GARUT])


def as_user(client, user):
    client.force_login(user)
    return client


def new_user_data(**overrides):
    return {
        "username": "pendamping_baru",
        "first_name": "Siti",
        "last_name": "Rahayu",
        "email": "siti@example.go.id",
        "phone": "081234567890",
        "role": Role.PENDAMPING,
        "region": KOTA_BANDUNG,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


# --- who may open the pages -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, mentor_bandung):
    for url in (USER_LIST, USER_CREATE, edit_url(mentor_bandung), deactivate_url(mentor_bandung)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["mentor_bandung", "direktorat_user"])
def test_roles_that_manage_nobody_get_403_in_indonesian(client, request, persona):
    as_user(client, request.getfixturevalue(persona))
    for url in (USER_LIST, USER_CREATE):
        response = client.get(url)
        assert response.status_code == 403
        assert "Akses ditolak" in response.text


def test_a_mentor_opening_their_own_login_gets_403(client, mentor_bandung):
    response = as_user(client, mentor_bandung).get(edit_url(mentor_bandung))
    assert response.status_code == 403


def test_bandung_officer_cannot_open_a_garut_login(client, officer_bandung, mentor_garut):
    as_user(client, officer_bandung)
    for url in (edit_url(mentor_garut), deactivate_url(mentor_garut), password_url(mentor_garut)):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    mentor_garut.refresh_from_db()
    assert mentor_garut.is_active


def test_a_mentor_gets_404_for_a_login_outside_their_scope(client, mentor_bandung, mentor_garut):
    # Not 403: that would confirm the login exists.
    assert as_user(client, mentor_bandung).get(edit_url(mentor_garut)).status_code == 404


def test_a_district_officer_cannot_open_a_colleague_or_a_superior(client, officer_bandung, officer_jabar, regions):
    colleague = UserFactory(username="dinsos_bandung_2", role=Role.DINSOS_KABKOTA, region=regions[KOTA_BANDUNG])
    as_user(client, officer_bandung)
    assert client.get(edit_url(colleague)).status_code == 404
    assert client.get(edit_url(officer_jabar)).status_code == 404
    assert client.get(edit_url(officer_bandung)).status_code == 404


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_only_the_logins_a_manager_manages(
    client, officer_jabar, officer_bandung, mentor_bandung, officer_jakarta, mentor_garut, admin_user
):
    response = as_user(client, officer_jabar).get(USER_LIST)

    assert response.status_code == 200
    listed = {user.username for user in response.context["page"].object_list}
    assert listed == {officer_bandung.username, mentor_bandung.username, mentor_garut.username}
    assert "dinsos_jakpus" not in response.text


def test_the_list_searches_names_and_usernames(client, officer_bandung, regions):
    MentorFactory(username="andi.kurnia", first_name="Andi", last_name="Kurnia", region=regions[KOTA_BANDUNG])
    MentorFactory(username="budi", first_name="Budi", last_name="Santoso", region=regions[KOTA_BANDUNG])
    as_user(client, officer_bandung)

    by_name = client.get(USER_LIST, {"q": "santoso"})
    by_username = client.get(USER_LIST, {"q": "andi.k"})

    assert [u.username for u in by_name.context["page"].object_list] == ["budi"]
    assert [u.username for u in by_username.context["page"].object_list] == ["andi.kurnia"]
    full_name = client.get(USER_LIST, {"q": "Budi Santoso"}).context["page"].object_list
    assert [u.username for u in full_name] == ["budi"]
    assert list(client.get(USER_LIST, {"q": "Budi Kurnia"}).context["page"].object_list) == []


def test_the_list_filters_by_role_and_status(client, officer_jabar, officer_bandung, mentor_bandung, mentor_garut):
    mentor_garut.is_active = False
    mentor_garut.save()
    as_user(client, officer_jabar)

    officers = client.get(USER_LIST, {"role": Role.DINSOS_KABKOTA}).context["page"].object_list
    inactive = client.get(USER_LIST, {"status": "inactive"}).context["page"].object_list
    # A role the manager does not manage is ignored, not an empty (or wider) list.
    admins = client.get(USER_LIST, {"role": Role.ADMIN}).context["page"].object_list

    assert [u.username for u in officers] == [officer_bandung.username]
    assert [u.username for u in inactive] == [mentor_garut.username]
    assert len(admins) == 3


def test_the_list_is_paginated_and_keeps_the_filters(client, officer_bandung, regions):
    for number in range(30):
        MentorFactory(username=f"pendamping{number:02d}", last_name="Lapangan", region=regions[KOTA_BANDUNG])
    as_user(client, officer_bandung)

    first = client.get(USER_LIST, {"q": "lapangan"})
    second = client.get(USER_LIST, {"q": "lapangan", "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "q=lapangan&amp;page=2" in first.text


def test_the_list_query_count_does_not_grow_with_the_data(client, admin_user, regions, wilayah_1):
    as_user(client, admin_user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(USER_LIST).status_code == 200
        return len(captured)

    MentorFactory(region=regions[KOTA_BANDUNG])
    few = queries()
    for number in range(10):
        MentorFactory(region=regions[KAB_GARUT if number % 2 else KOTA_BANDUNG])
        UserFactory(role=Role.DIREKTORAT, directorate_area=wilayah_1)
    assert queries() == few


# --- create ------------------------------------------------------------------------------------


def test_district_officer_creates_a_mentor_who_can_then_log_in(client, officer_bandung):
    response = as_user(client, officer_bandung).post(USER_CREATE, new_user_data())

    assert response.status_code == 302
    assert response.url == USER_LIST
    created = User.objects.get(username="pendamping_baru")
    assert (created.role, created.region_id) == (Role.PENDAMPING, KOTA_BANDUNG)
    assert "Pengguna pendamping_baru telah dibuat." in client.get(USER_LIST).text
    created_entry = client.get(edit_url(created)).context["history"].entries[-1]
    assert (created_entry.action, created_entry.actor, created_entry.source) == ("Dibuat", officer_bandung, "halaman")

    client.logout()
    assert client.login(username="pendamping_baru", password=NEW_PASSWORD)


def test_the_create_form_offers_only_the_managers_roles_and_regions(client, officer_jabar):
    form = as_user(client, officer_jabar).get(USER_CREATE).context["form"]

    assert [value for value, _ in form.fields["role"].choices] == ["", Role.DINSOS_KABKOTA, Role.PENDAMPING]
    assert set(form.fields["region"].queryset.values_list("code", flat=True)) == {KOTA_BANDUNG, KAB_GARUT}
    assert "directorate_area" not in form.fields


def test_provincial_officer_cannot_create_an_admin(client, officer_jabar):
    response = as_user(client, officer_jabar).post(USER_CREATE, new_user_data(role=Role.ADMIN, region=""))

    assert response.status_code == 200
    assert "Masukkan pilihan yang valid" in response.text
    assert not User.objects.filter(username="pendamping_baru").exists()


def test_a_region_outside_the_scope_is_refused(client, officer_jabar):
    response = as_user(client, officer_jabar).post(USER_CREATE, new_user_data(region=JAKARTA_PUSAT))

    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert not User.objects.filter(username="pendamping_baru").exists()


def test_validation_messages_are_in_indonesian(client, officer_bandung, mentor_bandung):
    response = as_user(client, officer_bandung).post(
        USER_CREATE,
        new_user_data(username=mentor_bandung.username, first_name="", region="", password2="lain-sekali-123"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["username"] == ["Nama pengguna ini sudah dipakai."]
    assert errors["first_name"] == ["Bidang ini tidak boleh kosong."]
    assert errors["password2"] == ["Kedua kata sandi tidak sama."]
    assert "Nama pengguna ini sudah dipakai." in response.text


def test_a_missing_region_is_explained_in_indonesian(client, officer_bandung):
    response = as_user(client, officer_bandung).post(USER_CREATE, new_user_data(region=""))

    assert response.context["form"].errors["region"] == ["Peran ini wajib memiliki wilayah."]


def test_a_weak_password_is_refused_under_its_field(client, officer_bandung):
    response = as_user(client, officer_bandung).post(
        USER_CREATE, new_user_data(password1="pendamping_baru", password2="pendamping_baru")
    )

    assert "Kata sandi terlalu mirip dengan nama pengguna." in response.context["form"].errors["password2"]
    assert not User.objects.filter(username="pendamping_baru").exists()


def test_choosing_a_role_reloads_the_region_list_for_that_role(client, admin_user):
    as_user(client, admin_user)

    response = client.get(USER_CREATE, {"role": Role.DINSOS_PROVINSI}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'id="scope-fields"' in response.text
    assert "<html" not in response.text  # only the fragment that htmx swaps in
    regions = response.context["form"].fields["region"].queryset
    assert set(regions.values_list("level", flat=True)) == {1}
    assert "Provinsi Jawa Barat" in response.text


def test_the_directorate_area_is_asked_only_for_a_directorate_login(client, admin_user, wilayah_1):
    as_user(client, admin_user)

    direktorat = client.get(USER_CREATE, {"role": Role.DIREKTORAT}, headers={"HX-Request": "true"})
    mentor = client.get(USER_CREATE, {"role": Role.PENDAMPING}, headers={"HX-Request": "true"})

    assert 'name="directorate_area"' in direktorat.text and 'name="region"' not in direktorat.text
    assert 'name="region"' in mentor.text and 'name="directorate_area"' not in mentor.text


def test_admin_creates_a_directorate_login(client, admin_user, wilayah_1):
    response = as_user(client, admin_user).post(
        USER_CREATE, new_user_data(username="dit.baru", role=Role.DIREKTORAT, region="", directorate_area=wilayah_1.pk)
    )

    assert response.status_code == 302
    assert User.objects.get(username="dit.baru").directorate_area == wilayah_1


# --- edit ---------------------------------------------------------------------------------------


def test_edit_shows_the_login_and_saves_changes(client, officer_jabar, mentor_bandung):
    as_user(client, officer_jabar)
    page = client.get(edit_url(mentor_bandung))
    assert page.status_code == 200
    assert page.context["form"].initial["region"] == KOTA_BANDUNG

    response = client.post(
        edit_url(mentor_bandung),
        {
            "first_name": "Dewi",
            "last_name": "Lestari",
            "email": "",
            "phone": "",
            "role": Role.PENDAMPING,
            "region": KAB_GARUT,
        },
    )

    assert response.status_code == 302
    mentor_bandung.refresh_from_db()
    assert (mentor_bandung.get_full_name(), mentor_bandung.region_id) == ("Dewi Lestari", KAB_GARUT)


def test_edit_cannot_raise_a_role_beyond_the_managers_own(client, officer_jabar, officer_garut):
    response = as_user(client, officer_jabar).post(
        edit_url(officer_garut), {"first_name": "X", "role": Role.DINSOS_PROVINSI, "region": KAB_GARUT}
    )
    assert response.status_code == 200
    officer_garut.refresh_from_db()
    assert officer_garut.role == Role.DINSOS_KABKOTA


# --- deactivate / reactivate ------------------------------------------------------------------------


def test_deactivation_asks_for_confirmation_first(client, officer_bandung, mentor_bandung):
    response = as_user(client, officer_bandung).get(deactivate_url(mentor_bandung))

    assert response.status_code == 200
    assert "Nonaktifkan pengguna?" in response.text
    assert "Ya, nonaktifkan" in response.text
    mentor_bandung.refresh_from_db()
    assert mentor_bandung.is_active


def test_confirming_deactivates_without_deleting_and_the_login_stops_working(client, officer_bandung, mentor_bandung):
    response = as_user(client, officer_bandung).post(deactivate_url(mentor_bandung))

    assert response.status_code == 302
    mentor_bandung.refresh_from_db()
    assert not mentor_bandung.is_active
    assert User.objects.filter(pk=mentor_bandung.pk).exists()
    client.logout()
    assert not client.login(username=mentor_bandung.username, password=PASSWORD)


def test_an_inactive_login_can_be_reactivated(client, officer_bandung, mentor_bandung):
    mentor_bandung.is_active = False
    mentor_bandung.save()
    as_user(client, officer_bandung)

    assert "Aktifkan kembali pengguna?" in client.get(deactivate_url(mentor_bandung)).text
    client.post(deactivate_url(mentor_bandung))

    mentor_bandung.refresh_from_db()
    assert mentor_bandung.is_active


# --- passwords ----------------------------------------------------------------------------------


def test_the_manager_resets_a_password(client, officer_bandung, mentor_bandung):
    as_user(client, officer_bandung)
    assert client.get(password_url(mentor_bandung)).status_code == 200

    mismatch = client.post(password_url(mentor_bandung), {"password1": NEW_PASSWORD, "password2": "lain"})
    assert mismatch.context["form"].errors["password2"] == ["Kedua kata sandi tidak sama."]

    response = client.post(password_url(mentor_bandung), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    client.logout()
    assert client.login(username=mentor_bandung.username, password=NEW_PASSWORD)


def test_a_user_changes_their_own_password(client, mentor_bandung):
    as_user(client, mentor_bandung)
    assert client.get(reverse("accounts:password_change")).status_code == 200

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    assert "Kata sandi Anda telah diganti" in client.get(response.url).text
    mentor_bandung.refresh_from_db()
    assert mentor_bandung.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_is_refused_in_indonesian(client, mentor_bandung):
    response = as_user(client, mentor_bandung).post(
        reverse("accounts:password_change"),
        {"old_password": "salah", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Sandi lama Anda yang dimasukkan salah" in response.text


# --- login and navigation -----------------------------------------------------------------------------


def test_login_logs_in_and_goes_home(client, officer_bandung):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert "Masuk ke KUBE Portal" in page.text

    response = client.post(reverse("accounts:login"), {"username": officer_bandung.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_wrong_password_is_refused_in_indonesian(client, officer_bandung):
    response = client.post(reverse("accounts:login"), {"username": officer_bandung.username, "password": "salah"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.text


@pytest.mark.parametrize(
    ("persona", "sees_users"),
    [
        ("admin_user", True),
        ("officer_jabar", True),
        ("officer_bandung", True),
        ("direktorat_user", False),
        ("mentor_bandung", False),
    ],
)
def test_the_menu_links_to_user_management_only_for_managers(client, request, persona, sees_users):
    response = as_user(client, request.getfixturevalue(persona)).get(reverse("home"))
    assert (f'href="{USER_LIST}"' in response.text) is sees_users


def test_the_admin_reads_the_history_of_a_login_in_the_django_admin(client, admin_user, officer_bandung):
    mentor = MentorFactory(username="pendamping_x", region=officer_bandung.region)
    as_user(client, officer_bandung).post(deactivate_url(mentor))
    client.force_login(admin_user)

    response = client.get(
        reverse("admin:audit_auditevents_changelist"),
        {"actor": officer_bandung.username, "event_model": "accounts.userevent"},
    )

    assert response.status_code == 200
    assert "accounts.User" in response.text
    assert '"is_active": [true, false]' in response.text.replace("&quot;", '"')


def test_the_edit_page_shows_the_history_of_the_login(client, officer_bandung, mentor_bandung):
    as_user(client, officer_bandung)
    client.post(deactivate_url(mentor_bandung))
    client.post(deactivate_url(mentor_bandung))

    response = client.get(edit_url(mentor_bandung))

    history = [(entry.action, entry.actor) for entry in response.context["history"].entries]
    assert history[:2] == [("Diubah", officer_bandung), ("Diubah", officer_bandung)]
    assert [e.changes[0].after for e in response.context["history"].entries[:2]] == ["Ya", "Tidak"]


def test_a_role_the_manager_may_not_give_is_not_preselected(client, officer_jabar):
    form = as_user(client, officer_jabar).get(USER_CREATE, {"role": Role.ADMIN}).context["form"]

    assert form.selected_role() == ""
    assert form.shows_region
