import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.tests.helpers import changes
from beneficiaries.models import Household, Member, Relationship
from beneficiaries.tests.factories import BANDUNG_VILLAGE, HouseholdFactory, MemberFactory, compose_nik

pytestmark = pytest.mark.django_db


def list_url() -> str:
    # Not at import time: resolving URLs during collection would load the URLconf with DEBUG on.
    return reverse("beneficiaries:household_list")


def history(client, household):
    return client.get(reverse("beneficiaries:household_detail", args=[household.pk])).context["history"].entries


def household_with_members(count=3, **kwargs):
    household = HouseholdFactory(**kwargs)
    MemberFactory(household=household, relationship=Relationship.HEAD, name="Asep Sunandar")
    for _ in range(count - 1):
        MemberFactory(household=household, relationship=Relationship.CHILD)
    return household


def member_post(prefix_index, *, nik, name, sex, birth, relationship, member_id="", delete=False):
    data = {
        f"members-{prefix_index}-id": member_id,
        f"members-{prefix_index}-nik": nik,
        f"members-{prefix_index}-name": name,
        f"members-{prefix_index}-sex": sex,
        f"members-{prefix_index}-birth_date": birth,
        f"members-{prefix_index}-relationship": relationship,
        f"members-{prefix_index}-education": "SMA",
        f"members-{prefix_index}-occupation": "Pedagang",
    }
    if delete:
        data[f"members-{prefix_index}-DELETE"] = "on"
    return data


def household_post(*members, no_kk="3273011502200001", village=BANDUNG_VILLAGE, initial=0):
    data = {
        "no_kk": no_kk,
        "village": village,
        "address": "Jl. Sukarasa 1",
        "rt": "001",
        "rw": "002",
        "is_urban": "on",
        "desil": "3",
        "programs": ["pkh", "bpnt"],
        "phone": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }
    for member in members:
        data.update(member)
    return data


HEAD = member_post(0, nik="3273011506800001", name="Asep Sunandar", sex="L", birth="1980-06-15", relationship="kepala")
WIFE = member_post(1, nik="3273015507820002", name="Euis Rahmawati", sex="P", birth="1982-07-15", relationship="istri")


class TestList:
    def test_list_shows_scope_only_with_masked_nik(self, client, officer_bandung):
        mine = household_with_members()
        household_with_members(garut=True)
        client.force_login(officer_bandung)
        response = client.get(list_url())
        assert list(response.context["page"]) == [mine]
        head = mine.members.get(relationship=Relationship.HEAD)
        content = response.content.decode()
        assert head.nik[:4] + "********" + head.nik[-4:] in content
        assert head.nik not in content

    def test_query_count_does_not_grow_with_rows(self, client, officer_bandung, django_assert_max_num_queries):
        client.force_login(officer_bandung)
        household_with_members()
        with django_assert_max_num_queries(8):
            client.get(list_url())
        for _ in range(15):
            household_with_members()
        with django_assert_max_num_queries(8):
            response = client.get(list_url() + "?urut=nama&status=semua")
        assert len(response.context["page"]) == 16

    def test_search_by_name_nik_and_no_kk(self, client, officer_bandung):
        target = household_with_members()
        other = household_with_members()
        other.members.filter(relationship=Relationship.HEAD).update(name="Dedi Mulyadi", name_normalized="dedi mulyadi")
        client.force_login(officer_bandung)
        nik = target.members.get(relationship=Relationship.HEAD).nik
        for query in ["sunandar", nik[:12], target.no_kk]:
            page = client.get(list_url(), {"q": query}).context["page"]
            assert target in list(page)
            assert other not in list(page) or query == nik[:12]

    def test_filters(self, client, officer_bandung):
        pkh = household_with_members(receives_pkh=True)
        other_village = household_with_members(village_id="32.73.02.1001")
        inactive = household_with_members(is_active=False, deactivation_reason="pindah")
        client.force_login(officer_bandung)
        assert list(client.get(list_url(), {"program": "pkh"}).context["page"]) == [pkh]
        assert list(client.get(list_url(), {"kecamatan": "32.73.02"}).context["page"]) == [other_village]
        assert list(client.get(list_url(), {"desa": "32.73.02.1001"}).context["page"]) == [other_village]
        assert list(client.get(list_url(), {"status": "nonaktif"}).context["page"]) == [inactive]
        assert set(client.get(list_url(), {"kube": "tidak"}).context["page"]) == {pkh, other_village}
        assert list(client.get(list_url(), {"kube": "ya"}).context["page"]) == []

    def test_pagination(self, client, officer_bandung):
        for _ in range(30):
            HouseholdFactory()
        client.force_login(officer_bandung)
        response = client.get(list_url(), {"page": 2, "urut": "-no_kk"})
        assert len(response.context["page"]) == 5


class TestDetail:
    def test_full_nik_for_data_entry_masked_for_readers(self, client, officer_bandung, officer_jabar):
        household = household_with_members()
        nik = household.members.get(relationship=Relationship.HEAD).nik
        url = reverse("beneficiaries:household_detail", args=[household.pk])
        client.force_login(officer_bandung)
        assert nik in client.get(url).content.decode()
        client.force_login(officer_jabar)
        content = client.get(url).content.decode()
        assert nik not in content
        assert nik[:4] + "********" + nik[-4:] in content

    def test_outside_scope_is_404(self, client, officer_bandung):
        garut = household_with_members(garut=True)
        client.force_login(officer_bandung)
        for name in ("household_detail", "household_edit", "household_deactivate"):
            assert client.get(reverse(f"beneficiaries:{name}", args=[garut.pk])).status_code == 404


class TestCreateEdit:
    def test_create_household_with_members_and_audit(self, client, officer_bandung):
        client.force_login(officer_bandung)
        response = client.post(reverse("beneficiaries:household_create"), household_post(HEAD, WIFE))
        household = Household.objects.get(no_kk="3273011502200001")
        assert response.status_code == 302
        assert household.region_code == BANDUNG_VILLAGE
        assert household.receives_pkh and household.receives_bpnt and not household.receives_pbi_jk
        assert household.members.count() == 2
        entries = history(client, household)
        assert sorted((e.action, e.subject, e.actor, e.source) for e in entries) == [
            ("Dibuat", "", officer_bandung, "halaman"),
            ("Dibuat", "Anggota: Asep Sunandar · 3273011506800001", officer_bandung, "halaman"),
            ("Dibuat", "Anggota: Euis Rahmawati · 3273015507820002", officer_bandung, "halaman"),
        ]
        detail = client.get(response.url).content.decode()
        assert "Euis Rahmawati" in detail
        assert "Dibuat" in detail

    def test_nik_disagreeing_with_sex_and_birth_date(self, client, officer_bandung):
        client.force_login(officer_bandung)
        wrong = member_post(0, nik="3273011506800001", name="A", sex="P", birth="1980-06-16", relationship="kepala")
        response = client.post(reverse("beneficiaries:household_create"), household_post(wrong))
        errors = response.context["formset"].forms[0].errors
        assert "Jenis kelamin tidak sesuai NIK" in errors["sex"][0]
        assert (
            "Tanggal lahir tidak sesuai NIK: NIK menunjukkan 15-06-80, yang diisi 16-06-1980."
            in errors["birth_date"][0]
        )
        assert not Household.objects.exists()

    def test_lost_digits_in_no_kk(self, client, officer_bandung):
        client.force_login(officer_bandung)
        response = client.post(reverse("beneficiaries:household_create"), household_post(HEAD, no_kk="3.27301E+15"))
        assert "digitnya hilang" in response.context["form"].errors["no_kk"][0]

    def test_registered_nik_named_in_scope_hidden_outside(self, client, officer_bandung, officer_garut):
        mine = HouseholdFactory()
        MemberFactory(household=mine, nik="3273011506800001", birth_date=datetime.date(1980, 6, 15))
        client.force_login(officer_bandung)
        response = client.post(reverse("beneficiaries:household_create"), household_post(HEAD))
        assert response.context["formset"].forms[0].errors["nik"] == [
            f"NIK ini sudah terdaftar pada keluarga dengan No. KK {mine.no_kk}."
        ]
        client.force_login(officer_garut)
        response = client.post(reverse("beneficiaries:household_create"), household_post(HEAD, village="32.05.01.1001"))
        assert response.context["formset"].forms[0].errors["nik"] == ["NIK ini sudah terdaftar di wilayah lain."]

    def test_exactly_one_head(self, client, officer_bandung):
        client.force_login(officer_bandung)
        child = member_post(0, nik="3273011506800001", name="A", sex="L", birth="1980-06-15", relationship="anak")
        response = client.post(reverse("beneficiaries:household_create"), household_post(child))
        assert "tepat satu kepala keluarga" in str(response.context["formset"].non_form_errors())

    def test_village_outside_scope_is_refused(self, client, officer_bandung):
        client.force_login(officer_bandung)
        response = client.post(reverse("beneficiaries:household_create"), household_post(HEAD, village="32.05.01.1001"))
        assert "village" in response.context["form"].errors

    def test_edit_records_before_and_after(self, client, officer_bandung):
        client.force_login(officer_bandung)
        client.post(reverse("beneficiaries:household_create"), household_post(HEAD, WIFE))
        household = Household.objects.get()
        head = household.members.get(relationship="kepala")
        wife = household.members.get(relationship="istri")
        data = household_post(
            {**HEAD, "members-0-id": head.pk, "members-0-name": "Asep S."},
            {**WIFE, "members-1-id": wife.pk, "members-1-DELETE": "on"},
            initial=2,
        )
        data["address"] = "Jl. Baru 2"
        data["version"] = household.version  # the version the edit page was opened on
        response = client.post(reverse("beneficiaries:household_edit", args=[household.pk]), data)
        assert response.status_code == 302, response.context["formset"].errors
        assert list(household.members.values_list("name", flat=True)) == ["Asep S."]
        entries = {(e.action, e.subject): changes(e) for e in history(client, household)}
        assert entries[("Diubah", "")] == {"Alamat": ("Jl. Sukarasa 1", "Jl. Baru 2")}
        assert entries[("Diubah", f"Anggota: Asep S. · {head.nik}")] == {"Nama": ("Asep Sunandar", "Asep S.")}
        assert entries[("Dihapus", f"Anggota: Euis Rahmawati · {wife.nik}")]["Nama"] == ("Euis Rahmawati", None)

    def test_readers_cannot_write(self, client, officer_jabar):
        household = household_with_members()
        client.force_login(officer_jabar)
        assert client.get(reverse("beneficiaries:household_create")).status_code == 403
        assert client.get(reverse("beneficiaries:household_edit", args=[household.pk])).status_code == 403
        assert client.post(reverse("beneficiaries:household_deactivate", args=[household.pk])).status_code == 403


def test_deactivate_with_confirmation(client, officer_bandung):
    household = household_with_members()
    client.force_login(officer_bandung)
    url = reverse("beneficiaries:household_deactivate", args=[household.pk])
    assert "Lanjutkan?" in client.get(url).content.decode()
    client.post(url, {"reason": "meninggal", "note": "Kepala keluarga wafat"})
    household.refresh_from_db()
    assert not household.is_active and household.deactivation_reason == "meninggal"
    latest = history(client, household)[0]
    assert (latest.action, latest.actor) == ("Diubah", officer_bandung)
    assert changes(latest)["Aktif"] == ("Ya", "Tidak")
    assert changes(latest)["Alasan nonaktif"] == (None, "Meninggal")
    assert household not in client.get(list_url()).context["page"]


class TestExport:
    def test_csv_streams_filtered_rows_and_neutralises_formulas(self, client, officer_bandung):
        household = household_with_members(address='=HYPERLINK("http://x")')
        household.members.filter(relationship=Relationship.CHILD).update(name="@SUM(A1)")
        household_with_members(garut=True)
        client.force_login(officer_bandung)
        response = client.get(reverse("beneficiaries:household_export_csv"))
        assert response.streaming
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert rows[0][:3] == ["no_kk", "nik", "nama"]
        assert len(rows) == 4
        assert {row[7] for row in rows[1:]} == {'\'=HYPERLINK("http://x")'}
        assert "'@SUM(A1)" in {row[2] for row in rows[1:]}

    def test_xlsx_and_masked_nik_for_readers(self, client, officer_jabar):
        household_with_members()
        client.force_login(officer_jabar)
        response = client.get(reverse("beneficiaries:household_export_xlsx"), {"q": "asep"})
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = list(workbook.active.iter_rows(values_only=True))
        assert len(rows) == 4
        assert "********" in rows[1][1]


class TestDuplicates:
    def make_pair(self):
        born = datetime.date(1975, 1, 2)
        a = MemberFactory(name="Siti Aminah", sex="P", birth_date=born)
        b = MemberFactory(name="SITI  AMINAH.", sex="P", birth_date=born)
        return a, b

    def test_listed_then_marked_distinct(self, client, officer_bandung):
        a, b = self.make_pair()
        MemberFactory(household__garut=True, name="Siti Aminah", sex="P", birth_date=a.birth_date)
        client.force_login(officer_bandung)
        url = reverse("beneficiaries:duplicate_review")
        pairs = client.get(url).context["pairs"]
        assert [(p.a, p.b) for p in pairs] == [tuple(sorted([a, b], key=lambda m: m.nik))]
        client.post(url, {"nik_a": a.nik, "nik_b": b.nik, "action": "distinct"})
        assert client.get(url).context["pairs"] == []

    def test_merge_keeps_one_record_and_deactivates_the_empty_household(self, client, officer_bandung):
        a, b = self.make_pair()
        client.force_login(officer_bandung)
        client.post(
            reverse("beneficiaries:duplicate_review"),
            {"nik_a": a.nik, "nik_b": b.nik, "action": "merge", "keep": a.nik},
        )
        assert not Member.objects.filter(pk=b.pk).exists()
        b.household.refresh_from_db()
        assert b.household.deactivation_reason == "duplikat"
        assert b.household.duplicate_of == a.household
        deleted = [e for e in history(client, b.household) if e.action == "Dihapus"]
        assert [(e.subject, e.actor) for e in deleted] == [(f"Anggota: {b.name} · {b.nik}", officer_bandung)]

    def test_pair_outside_scope_is_404(self, client, officer_bandung):
        born = datetime.date(1975, 1, 2)
        a = MemberFactory(household__garut=True, name="X", birth_date=born)
        b = MemberFactory(household__garut=True, name="X", birth_date=born)
        client.force_login(officer_bandung)
        response = client.post(
            reverse("beneficiaries:duplicate_review"), {"nik_a": a.nik, "nik_b": b.nik, "action": "distinct"}
        )
        assert response.status_code == 404


def test_nik_helper_matches_lokal():
    assert compose_nik("32.73.01.1001", datetime.date(1990, 5, 5), "P", 1) == "3273014505900001"


def test_pages_and_identity_messages_in_english(client, officer_bandung, settings):
    client.force_login(officer_bandung)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Beneficiary households (KPM)" in client.get(list_url()).content.decode()
    wrong = member_post(0, nik="3273011506800001", name="A", sex="P", birth="1980-06-15", relationship="kepala")
    response = client.post(reverse("beneficiaries:household_create"), household_post(wrong))
    assert response.context["formset"].forms[0].errors["sex"] == [
        "Sex does not match the NIK: the NIK says male (day 15), the entry says female."
    ]


def test_xlsx_export_continues_on_a_new_sheet_when_one_is_full(regions, monkeypatch, tmp_path):
    from beneficiaries import exporting
    from kube_portal import spreadsheets

    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)  # a sheet's real limit is 1,048,576 rows
    household_with_members(count=5)
    path = tmp_path / "kpm.xlsx"
    exporting.write_xlsx(Household.objects.with_head(), path, full_nik=True)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["KPM", "KPM 2", "KPM 3"]
    assert [sheet.max_row for sheet in workbook.worksheets] == [3, 3, 2]
    assert workbook.worksheets[2]["A1"].value == "no_kk"


def test_kube_filter_and_membership_on_the_detail_page(client, officer_bandung):
    from groups.tests.factories import KubeFactory, MembershipFactory

    member = MembershipFactory(kube=KubeFactory(status="aktif", name="KUBE Sukarasa Mandiri")).household
    draft_only = MembershipFactory(kube=KubeFactory(status="draft")).household
    outside = household_with_members()
    client.force_login(officer_bandung)
    assert list(client.get(list_url(), {"kube": "ya"}).context["page"]) == [member]
    assert set(client.get(list_url(), {"kube": "tidak"}).context["page"]) == {draft_only, outside}
    detail = client.get(reverse("beneficiaries:household_detail", args=[member.pk])).content.decode()
    assert "KUBE Sukarasa Mandiri" in detail


def test_bulk_update_of_ticked_households_is_audited(client, officer_bandung, officer_jabar):
    first, second = household_with_members(), household_with_members(receives_pkh=True)
    garut = household_with_members(garut=True)
    client.force_login(officer_bandung)
    url = reverse("beneficiaries:household_bulk_update")
    response = client.post(
        url, {"households": [first.pk, second.pk], "field": "pkh", "value": "Y", "next": "/kpm/?program=pkh"}
    )
    assert response.url == "/kpm/?program=pkh"
    assert set(Household.objects.filter(receives_pkh=True)) == {first, second}
    latest = history(client, first)[0]
    assert (latest.action, latest.actor, latest.source, changes(latest)) == (
        "Diubah",
        officer_bandung,
        "halaman",
        {"PKH": ("Tidak", "Ya")},
    )
    assert [e.action for e in history(client, second) if not e.subject] == ["Dibuat"]  # nothing changed there
    # A household outside the scope is not a valid choice.
    client.post(url, {"households": [garut.pk], "field": "desil", "value": "4"})
    garut.refresh_from_db()
    assert garut.desil is None
    client.post(url, {"households": [first.pk], "field": "desil", "value": "4"})
    first.refresh_from_db()
    assert first.desil == 4
    client.force_login(officer_jabar)
    assert client.post(url, {"households": [first.pk], "field": "desil", "value": "5"}).status_code == 403


def test_admin_pages_are_read_only(client, admin_user):
    household = household_with_members()
    client.force_login(admin_user)
    assert client.get(reverse("admin:beneficiaries_household_changelist")).status_code == 200
    page = client.get(reverse("admin:beneficiaries_household_change", args=[household.pk]))
    assert page.status_code == 200
    assert household.no_kk in page.content.decode()
    assert client.get(reverse("admin:beneficiaries_household_add")).status_code == 403
