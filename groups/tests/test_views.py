import datetime

import pytest
from django.urls import reverse

from groups.models import BusinessField, BusinessReport, Grant, Kube, MemberRole, Program, Status
from groups.tests.factories import GrantFactory, KubeFactory, MembershipFactory, complete_members, household_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bandung_client(client, officer_bandung):
    client.force_login(officer_bandung)
    return client


def test_list_shows_only_the_users_kube_and_filters(bandung_client, regions):
    mine = KubeFactory(name="KUBE Mawar")
    KubeFactory(name="KUBE Melati", status=Status.AKTIF, program=Program.objects.get(code="bekerja"))
    KubeFactory(name="KUBE Garut", garut=True)
    response = bandung_client.get(reverse("groups:kube_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "KUBE Mawar" in body and "KUBE Melati" in body and "KUBE Garut" not in body

    response = bandung_client.get(reverse("groups:kube_list"), {"q": "mawar"})
    assert list(response.context["page"].object_list) == [mine]
    response = bandung_client.get(reverse("groups:kube_list"), {"status": "aktif"})
    assert [k.name for k in response.context["page"].object_list] == ["KUBE Melati"]
    bekerja = Program.objects.get(code="bekerja").pk
    response = bandung_client.get(reverse("groups:kube_list"), {"program": bekerja, "kecamatan": "32.73.01"})
    assert [k.name for k in response.context["page"].object_list] == ["KUBE Melati"]


def test_list_query_count_does_not_grow(bandung_client, regions, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            kube = KubeFactory()
            MembershipFactory(kube=kube)

    make(2)
    # +1 against before issue 16: the count estimate of kube_portal.paging (constant).
    with django_assert_max_num_queries(10) as small:
        bandung_client.get(reverse("groups:kube_list"))
    make(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = bandung_client.get(reverse("groups:kube_list"))
    assert response.context["page"].paginator.count == 22
    assert all(k.member_count == 1 for k in response.context["page"].object_list)


def test_detail_shows_members_history_grants_and_reports(bandung_client, regions, officer_bandung):
    kube = KubeFactory(status=Status.AKTIF)
    complete_members(kube, 5)
    Grant.objects.create(
        kube=kube,
        amount=12_500_000,
        disbursed_on=datetime.date(2025, 3, 1),
        transfer_reference="T1",
        recorded_by=officer_bandung,
    )
    BusinessReport.objects.create(
        kube=kube, month=datetime.date(2025, 4, 1), revenue=1_250_000, costs=1_000_000, group_savings=300_000
    )
    response = bandung_client.get(reverse("groups:kube_detail", args=[kube.pk]))
    body = response.content.decode()
    assert "Diterima Rp 12.500.000 dari nilai program Rp 20.000.000" in body
    assert "Rp 1.250.000" in body and "Rp 250.000" in body
    assert 'id="report-chart-data"' in body and "chart.umd.min.js" in body
    assert [m.role for m in response.context["current_members"]][:4] == ["ketua", "sekretaris", "bendahara", "anggota"]
    for membership in response.context["current_members"]:
        head = membership.household.members.get(relationship="kepala")
        assert membership.head_name == head.name
        assert head.name in body


def test_create_edit_and_propose_through_the_pages(bandung_client, regions):
    data = {
        "name": "KUBE Sukarasa Jaya",
        "program": Program.objects.get(code="reguler").pk,
        "business_type": "produksi",
        "business_field": BusinessField.objects.get(name="Kuliner / makanan olahan").pk,
        "kecamatan": "32.73.01",
        "secretariat_village": "32.73.01.1001",
        "founded_on": "2025-01-10",
    }
    response = bandung_client.post(reverse("groups:kube_create"), data)
    kube = Kube.objects.get(name="KUBE Sukarasa Jaya")
    assert response.status_code == 302 and response.url == reverse("groups:kube_detail", args=[kube.pk])

    response = bandung_client.post(
        reverse("groups:kube_edit", args=[kube.pk]), {**data, "name": "KUBE Sukarasa Raya", "version": kube.version}
    )
    assert response.status_code == 302
    kube.refresh_from_db()
    assert kube.name == "KUBE Sukarasa Raya"

    # Proposing without members shows every broken rule on the confirmation page.
    url = reverse("groups:kube_transition", args=[kube.pk, "usulkan"])
    response = bandung_client.post(url, {"comment": ""})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "Jumlah anggota: harus 5–20 keluarga, saat ini 0." in errors
    assert "Pengurus: harus tepat satu ketua, saat ini 0." in errors
    complete_members(kube, 5)
    response = bandung_client.post(url, {"comment": "Lengkap"})
    assert response.status_code == 302
    kube.refresh_from_db()
    assert kube.status == Status.DIUSULKAN


def test_create_in_another_kecamatan_is_refused(bandung_client, regions):
    response = bandung_client.post(reverse("groups:kube_create"), {"name": "X", "kecamatan": "32.05.01"})
    assert response.status_code == 200
    assert "kecamatan" in response.context["form"].errors


def test_transition_buttons_by_role(client, regions, officer_bandung, officer_jabar, direktorat_user):
    kube = KubeFactory(status=Status.DIUSULKAN)
    client.force_login(officer_bandung)
    response = client.get(reverse("groups:kube_detail", args=[kube.pk]))
    assert [t.action for t in response.context["transitions"]] == []
    assert client.get(reverse("groups:kube_transition", args=[kube.pk, "rekomendasikan"])).status_code == 403
    client.force_login(officer_jabar)
    response = client.get(reverse("groups:kube_detail", args=[kube.pk]))
    assert [t.action for t in response.context["transitions"]] == ["rekomendasikan", "kembalikan"]
    # Returning needs a reason.
    response = client.post(reverse("groups:kube_transition", args=[kube.pk, "kembalikan"]), {"comment": ""})
    assert response.status_code == 200 and "comment" in response.context["form"].errors
    client.force_login(direktorat_user)
    assert client.get(reverse("groups:kube_transition", args=[kube.pk, "tetapkan"])).status_code == 403


def test_review_queue_per_role(client, regions, officer_bandung, officer_jabar, direktorat_user):
    proposed = KubeFactory(status=Status.DIUSULKAN, name="Usulan A")
    recommended = KubeFactory(status=Status.DIREKOMENDASIKAN, name="Rekomendasi B")
    returned = KubeFactory(status=Status.DIKEMBALIKAN, name="Kembali C")
    approved = KubeFactory(status=Status.DITETAPKAN, name="Tetap D")
    KubeFactory(status=Status.AKTIF)
    KubeFactory(garut=True, status=Status.DIKEMBALIKAN)
    expected = {
        officer_bandung: {returned, approved},
        officer_jabar: {proposed},
        direktorat_user: {recommended},
    }
    for user, kubes in expected.items():
        client.force_login(user)
        response = client.get(reverse("groups:kube_queue"))
        assert set(response.context["page"].object_list) == kubes, user.username
    client.force_login(officer_jabar)
    assert "Menunggu tindakan Anda" in client.get(reverse("groups:kube_list")).content.decode()


def test_membership_search_add_and_replace(bandung_client, regions):
    kube = KubeFactory()
    candidate = household_in("32.73.01", "1002")
    household_in("32.73.02")  # another kecamatan: not offered
    household_in("32.05.01")  # another kab/kota: not offered
    response = bandung_client.get(reverse("groups:membership_add", args=[kube.pk]), {"q": candidate.no_kk[:6]})
    assert list(response.context["results"]) == [candidate]
    response = bandung_client.post(
        reverse("groups:membership_add", args=[kube.pk]),
        {"household": candidate.pk, "role": "ketua", "joined_on": "2025-02-01"},
    )
    assert response.status_code == 302
    membership = kube.memberships.get()
    assert membership.role == MemberRole.KETUA

    Kube.objects.filter(pk=kube.pk).update(status=Status.AKTIF)
    newcomer = household_in("32.73.01", "1003")
    response = bandung_client.post(
        reverse("groups:membership_end", args=[kube.pk, membership.pk]),
        {"left_on": "2025-08-01", "reason": "Meninggal dunia", "replacement_no_kk": newcomer.no_kk},
    )
    assert response.status_code == 302
    assert kube.memberships.current().get().household == newcomer
    assert kube.memberships.get(pk=membership.pk).left_reason == "Meninggal dunia"


def test_membership_add_of_a_household_outside_scope_is_404(bandung_client, regions):
    kube = KubeFactory()
    garut = household_in("32.05.01")
    response = bandung_client.post(
        reverse("groups:membership_add", args=[kube.pk]),
        {"household": garut.pk, "role": "anggota", "joined_on": "2025-02-01"},
    )
    assert response.status_code == 404


def test_grant_activates_and_report_takes_rupiah(bandung_client, regions):
    kube = KubeFactory(status=Status.DITETAPKAN, program=Program.objects.get(code="bekerja"))
    response = bandung_client.get(reverse("groups:grant_add", args=[kube.pk]))
    assert 'value="Rp 20.000.000"' in response.content.decode()
    response = bandung_client.post(
        reverse("groups:grant_add", args=[kube.pk]),
        {
            "amount": "Rp 20.000.000",
            "disbursed_on": "2025-03-03",
            "transfer_reference": "SP2D-77",
            "stage": "sekaligus",
        },
    )
    assert response.status_code == 302
    kube.refresh_from_db()
    assert kube.status == Status.AKTIF and kube.grants.get().amount == 20_000_000

    form = {
        "month": "2025-04",
        "revenue": "Rp 1.250.000",
        "costs": "900.000",
        "cash": "250000",
        "group_savings": "Rp 100.000",
        "assets_value": "0",
        "members_present": "5",
        "hens": "",
        "eggs_produced_kg": "",
        "eggs_sold_kg": "",
    }
    response = bandung_client.post(reverse("groups:report_add", args=[kube.pk]), form)
    assert response.status_code == 200
    assert {"hens", "eggs_produced_kg", "eggs_sold_kg"} <= set(response.context["form"].errors)
    form.update(hens="500", eggs_produced_kg="420.5", eggs_sold_kg="400")
    response = bandung_client.post(reverse("groups:report_add", args=[kube.pk]), form)
    assert response.status_code == 302
    report = kube.reports.get()
    assert (report.month, report.revenue, report.profit, report.hens) == (
        datetime.date(2025, 4, 1),
        1_250_000,
        350_000,
        500,
    )
    response = bandung_client.post(reverse("groups:report_add", args=[kube.pk]), {**form, "revenue": "1,5 juta"})
    assert "revenue" in response.context["form"].errors


def test_read_only_roles_get_403_on_forms(client, regions, officer_jabar):
    kube = KubeFactory()
    client.force_login(officer_jabar)
    assert client.get(reverse("groups:kube_detail", args=[kube.pk])).status_code == 200
    for name in ("kube_edit", "membership_add", "grant_add"):
        assert client.get(reverse(f"groups:{name}", args=[kube.pk])).status_code == 403, name
    assert client.get(reverse("groups:kube_create")).status_code == 403


def test_village_options_stay_in_scope(bandung_client, regions):
    response = bandung_client.get(reverse("groups:village_options"), {"kecamatan": "32.73.01"})
    assert "32.73.01.1001" in response.content.decode()
    response = bandung_client.get(reverse("groups:village_options"), {"kecamatan": "32.05.01"})
    assert "32.05.01" not in response.content.decode()


def test_pages_in_english(client, regions, officer_jabar):
    kube = KubeFactory(status=Status.DIUSULKAN)
    complete_members(kube, 5)
    client.force_login(officer_jabar)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("groups:kube_detail", args=[kube.pk])).content.decode()
    assert '<html lang="en">' in body
    assert "Status history" in body and "Recommend" in body and "Members (5 households)" in body
    body = client.get(reverse("groups:kube_queue")).content.decode()
    assert "Awaiting your action" in body


def test_filter_by_mentor(bandung_client, regions):
    from mentors.tests.factories import AssignmentFactory

    with_mentor, without = KubeFactory(name="Didampingi", status=Status.AKTIF), KubeFactory(name="Sendiri")
    AssignmentFactory(kube=with_mentor)
    AssignmentFactory(kube=KubeFactory(name="Dulu didampingi"), ended_on=datetime.date(2025, 6, 1))
    response = bandung_client.get(reverse("groups:kube_list"), {"has_mentor": "ya"})
    assert list(response.context["page"].object_list) == [with_mentor]
    response = bandung_client.get(reverse("groups:kube_list"), {"has_mentor": "tidak"})
    assert {k.name for k in response.context["page"].object_list} == {"Sendiri", "Dulu didampingi"}
    assert without.name == "Sendiri"


def test_queue_query_count_does_not_grow(client, regions, officer_jabar, django_assert_max_num_queries):
    client.force_login(officer_jabar)
    for _ in range(2):
        MembershipFactory(kube=KubeFactory(status=Status.DIUSULKAN))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("groups:kube_queue"))
    for _ in range(15):
        MembershipFactory(kube=KubeFactory(status=Status.DIUSULKAN))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("groups:kube_queue"))
    assert response.context["page"].paginator.count == 17


def test_report_edit_and_kur_referral_pages(bandung_client, regions):
    kube = KubeFactory(status=Status.AKTIF, maturity_level="maju")
    report = BusinessReport.objects.create(
        kube=kube, month=datetime.date(2025, 4, 1), revenue=2_000_000, costs=1_000_000
    )
    url = reverse("groups:report_edit", args=[kube.pk, report.pk])
    response = bandung_client.get(url)
    assert 'value="Rp 2.000.000"' in response.content.decode()
    form = {
        "month": "2025-04",
        "revenue": "Rp 2.500.000",
        "costs": "Rp 1.000.000",
        "cash": "0",
        "group_savings": "0",
        "assets_value": "0",
        "members_present": "5",
    }
    assert bandung_client.post(url, form).status_code == 302
    report.refresh_from_db()
    assert report.profit == 1_500_000
    # Saving the report classified the KUBE again at once: one report does not make it Maju.
    kube.refresh_from_db()
    assert kube.maturity_level == "tumbuh" and kube.maturity_reason["months_active"] == 0
    Kube.objects.filter(pk=kube.pk).update(maturity_level="maju")  # as if its reports made it Maju

    body = bandung_client.get(reverse("groups:kube_detail", args=[kube.pk])).content.decode()
    assert "Rujuk ke KUR" in body
    response = bandung_client.post(
        reverse("groups:kur_refer", args=[kube.pk]),
        {"bank": "Bank BRI", "amount": "Rp 50.000.000", "status": "dirujuk"},
    )
    assert response.status_code == 302
    kube.refresh_from_db()
    assert (kube.kur_bank, kube.kur_amount, kube.kur_status) == ("Bank BRI", 50_000_000, "dirujuk")


def test_kur_referral_of_a_tumbuh_kube_is_refused(bandung_client, regions):
    kube = KubeFactory(status=Status.AKTIF)
    response = bandung_client.post(
        reverse("groups:kur_refer", args=[kube.pk]), {"bank": "Bank BRI", "amount": "", "status": "dirujuk"}
    )
    assert response.status_code == 200
    assert "Hanya KUBE aktif dengan tingkat Maju" in str(response.context["form"].non_field_errors())


def test_wide_scopes_type_the_kecamatan_code(client, regions, direktorat_user):
    KubeFactory(name="Sukasari")
    KubeFactory(name="Garut Kota", garut=True)
    client.force_login(direktorat_user)
    response = client.get(reverse("groups:kube_list"), {"kecamatan": "32.05.01"})
    body = response.content.decode()
    assert 'placeholder="32.73.01"' in body and '<select name="kecamatan"' not in body
    assert [k.name for k in response.context["page"].object_list] == ["Garut Kota"]


def test_detail_query_count_does_not_grow(bandung_client, regions, officer_bandung, django_assert_max_num_queries):
    kube = KubeFactory(status=Status.AKTIF, program=Program.objects.get(code="bekerja"))
    complete_members(kube, 5)

    def add_reports(months):
        for month in months:
            BusinessReport.objects.create(
                kube=kube, month=datetime.date(2024, month, 1), revenue=3_000_000, costs=2_000_000, hens=100
            )

    add_reports([1, 2])
    # Every kind of row from the start (the history reads each kind with its own query): then only their number grows.
    GrantFactory(kube=kube, recorded_by=officer_bandung)
    url = reverse("groups:kube_detail", args=[kube.pk])
    with django_assert_max_num_queries(24) as small:
        bandung_client.get(url)
    complete_members(KubeFactory(), 1)  # unrelated
    for household in [household_in("32.73.01") for _ in range(10)]:
        MembershipFactory(kube=kube, household=household)
    add_reports(range(3, 13))
    Grant.objects.create(
        kube=kube,
        amount=1,
        disbursed_on=datetime.date(2024, 1, 1),
        transfer_reference="Q1",
        recorded_by=officer_bandung,
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = bandung_client.get(url)
    assert len(response.context["reports"]) == 12 and len(response.context["current_members"]) == 15


def test_list_shows_and_filters_kube_not_reporting(bandung_client, regions):
    silent = KubeFactory(name="Sepi", status=Status.AKTIF, not_reporting=True)
    KubeFactory(name="Rajin", status=Status.AKTIF)
    KubeFactory(name="Draf lama", not_reporting=True)  # only an active KUBE can be "tidak melapor"
    response = bandung_client.get(reverse("groups:kube_list"), {"reporting": "tidak"})
    assert [k.name for k in response.context["page"].object_list] == ["Sepi"]
    assert 'data-testid="not-reporting"' in response.content.decode()
    response = bandung_client.get(reverse("groups:kube_list"), {"reporting": "ya"})
    assert [k.name for k in response.context["page"].object_list] == ["Rajin"]
    detail = bandung_client.get(reverse("groups:kube_detail", args=[silent.pk])).content.decode()
    assert 'data-testid="kube-not-reporting"' in detail
