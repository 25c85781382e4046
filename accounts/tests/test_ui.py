"""The layout around every page: language switch, English catalogs, error pages, menus."""

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_login_page_is_in_indonesian_by_default(client):
    response = client.get(LOGIN)
    assert '<html lang="id">' in response.text
    assert "Masuk ke KUBE Portal" in response.text
    assert "Kementerian Sosial RI — Program KUBE" in response.text


@pytest.mark.django_db
def test_the_login_page_in_english(client):
    response = in_english(client).get(LOGIN)

    assert '<html lang="en">' in response.text
    assert "Sign in to KUBE Portal" in response.text
    assert "Masuk ke KUBE Portal" not in response.text
    assert "Bahasa Indonesia" in response.text  # the switch offers the way back


@pytest.mark.django_db
def test_the_home_page_in_english(client, officer_bandung):
    in_english(client).force_login(officer_bandung)

    response = client.get(reverse("home"))

    assert "Welcome, " in response.text
    assert "Your working area" in response.text
    assert "Regency/City Social Office" in response.text  # the role, from the accounts catalog
    assert ">Users<" in response.text  # the menu entry
    assert "Selamat datang" not in response.text


@pytest.mark.django_db
def test_english_messages_on_a_failed_login(client, officer_bandung):
    response = in_english(client).post(LOGIN, {"username": officer_bandung.username, "password": "salah"})
    assert "Wrong username or password." in response.text


@pytest.mark.django_db
def test_the_language_switch_keeps_the_page(client, officer_bandung):
    client.force_login(officer_bandung)
    page = reverse("accounts:user_list") + "?q=budi&status=active"

    response = client.post(reverse("set_language"), {"language": "en", "next": page})

    assert response.status_code == 302
    assert response.url == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(page)
    assert "Add user" in english.text

    client.post(reverse("set_language"), {"language": "id", "next": page})
    assert "Tambah pengguna" in client.get(page).text


@pytest.mark.django_db
def test_the_switch_on_each_page_posts_back_to_that_page(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get(reverse("accounts:user_list") + "?q=budi")
    assert 'name="next" value="/akun/pengguna/?q=budi"' in response.text


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_404_page_uses_the_layout_in_indonesian(client, officer_bandung):
    client.force_login(officer_bandung)
    response = client.get("/tidak-ada/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text
    assert "navbar-kube" in response.text and "site-footer" in response.text
    assert reverse("accounts:user_list") in response.text  # the menu is there to go on from


@pytest.mark.django_db
def test_the_403_page_uses_the_layout_in_indonesian(client, mentor_bandung):
    client.force_login(mentor_bandung)
    response = client.get(reverse("accounts:user_list"))

    assert response.status_code == 403
    assert "Akses ditolak" in response.text
    assert "navbar-kube" in response.text


def test_the_500_page_renders_without_the_database():
    # No django_db mark: any query here would fail the test.
    from kube_portal.views import server_error

    with translation.override("id"):
        response = server_error(RequestFactory().get("/"))

    text = response.content.decode()
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in text
    assert "vendor/bootstrap/bootstrap.min.css" in text
    assert "Kementerian Sosial RI — Program KUBE" in text
    assert "set_language" not in text and "i18n/setlang" not in text  # no form that needs a CSRF token


def test_the_500_page_in_english():
    from kube_portal.views import server_error

    with translation.override("en"):
        text = server_error(RequestFactory().get("/")).content.decode()
    assert "A server error occurred" in text


# --- every page renders ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_page_renders_in_both_languages(client, officer_jabar, mentor_bandung, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.get(LOGIN).status_code == 200
    client.force_login(officer_jabar)
    urls = [
        reverse("home"),
        reverse("accounts:password_change"),
        reverse("accounts:password_change_done"),
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_edit", args=[mentor_bandung.pk]),
        reverse("accounts:user_deactivate", args=[mentor_bandung.pk]),
        reverse("accounts:user_password_reset", args=[mentor_bandung.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.text, url
        assert "static/vendor/htmx/htmx.min.js" in response.text, url


def test_the_vendored_files_the_layout_names_exist():
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "vendor/htmx/htmx.min.js",
        "vendor/chartjs/chart.umd.min.js",
    ):
        assert finders.find(path), path
    with open(finders.find("vendor/htmx/htmx.min.js"), "rb") as htmx:
        assert b"htmx" in htmx.read(2000)


@pytest.mark.django_db
def test_logout_returns_to_the_login_page(client, officer_bandung):
    client.login(username=officer_bandung.username, password=PASSWORD)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN


@pytest.mark.django_db
def test_the_menu_marks_the_current_section_on_its_sub_pages(client, officer_bandung):
    client.force_login(officer_bandung)
    users = reverse("accounts:user_list")

    on_create = client.get(reverse("accounts:user_create"))
    on_home = client.get(reverse("home"))

    assert f'class="nav-link active" aria-current="page" href="{users}"' in on_create.text
    assert 'class="nav-link active" aria-current="page" href="/"' not in on_create.text
    assert 'class="nav-link active" aria-current="page" href="/"' in on_home.text
    assert f'class="nav-link active" aria-current="page" href="{users}"' not in on_home.text


@pytest.mark.django_db
def test_menu_entries_beyond_the_bar_go_under_lainnya(client, officer_bandung, monkeypatch):
    from accounts import navigation
    from accounts.context_processors import NAV_INLINE
    from accounts.models import Role

    extra = [
        navigation.MenuItem(f"Menu {number}", "accounts:password_change", frozenset(Role))
        for number in range(NAV_INLINE)
    ]
    monkeypatch.setattr(navigation, "MENU", navigation.MENU[:1] + extra)
    client.force_login(officer_bandung)

    response = client.get(reverse("accounts:password_change"))

    assert [item["label"] for item in response.context["nav_items"]][1:] == [f"Menu {n}" for n in range(5)]
    assert [item["label"] for item in response.context["nav_more"]] == ["Menu 5"]
    assert response.context["nav_more_active"]
    assert 'class="nav-link dropdown-toggle active"' in response.text
    # Listed a second time, plainly, for the collapsed phone menu.
    assert response.text.count(">Menu 5</a>") == 2
    assert "Lainnya" in response.text
