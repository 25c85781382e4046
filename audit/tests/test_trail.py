"""The audit trail: every write to the registers and the money trail is recorded with who and from where.

Through the pages (the session user), a bulk update, an import job, the API (a user authenticated in
the view, as Django REST framework does it), raw SQL, and the nightly run, which is not recorded row
by row. The history sections word the changes in the reader's language, newest first, a page at a
time, and only for readers who may see the record.
"""

import datetime
import decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.history import user_history
from accounts.models import PASSWORD_CHANGED, User
from accounts.tests.factories import UserFactory
from audit.context import Source, write_context
from audit.history import Stream, history_of
from audit.tests.helpers import changes, entries
from audit.tracking import BEFORE, DELETE, INSERT, UPDATE
from beneficiaries.history import household_history
from beneficiaries.import_jobs import import_job_run
from beneficiaries.models import Household, ImportJob, Member
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from beneficiaries.tests.test_importing import GOOD, KK_1, write_csv
from graduation.models import (
    CriteriaSet,
    GraduationDecision,
    GraduationStatus,
    HouseholdAssessment,
    PovertyLine,
    RecomputeRun,
)
from graduation.recompute import recompute_graduation
from groups.history import kube_history
from groups.models import BusinessReport, Grant, Kube, MaturityLevel, MaturityPeriod, Membership, Status
from groups.tests.factories import BusinessReportFactory, GrantFactory, KubeFactory, MembershipFactory
from kube_portal.dates import month_start
from mentors.history import mentor_history
from mentors.models import Assignment, FieldVisit, Mentor, TrainingBatch, TrainingParticipation
from mentors.tests.factories import AssignmentFactory, FieldVisitFactory, MentorFactory, TrainingBatchFactory
from regions.models import DirectorateArea, Region

pytestmark = pytest.mark.django_db

TRACKED = [
    Household,
    Member,
    Kube,
    Membership,
    Grant,
    BusinessReport,
    Mentor,
    Assignment,
    TrainingBatch,
    TrainingParticipation,
    FieldVisit,
    HouseholdAssessment,
    GraduationDecision,
    CriteriaSet,
    PovertyLine,
    User,
    DirectorateArea,
]


def event_fields(model) -> set[str]:
    return {f.name for f in model.pgh_event_model._meta.fields if not f.name.startswith("pgh_")}


@pytest.mark.parametrize("model", TRACKED, ids=lambda model: model._meta.label)
def test_every_register_and_money_model_records_inserts_updates_and_deletes(model):
    assert {INSERT, BEFORE, UPDATE, DELETE} <= set(model.pgh_event_models)


def test_what_is_left_out_of_the_trail():
    # Never the password hash; the time of each login is not an edit either.
    assert not {"password", "last_login"} & event_fields(User)
    assert PASSWORD_CHANGED in User.pgh_event_models
    # The nightly's figures: their own history (MaturityPeriod, GraduationStatusChange).
    assert not {"maturity_level", "maturity_reason", "maturity_set_on", "not_reporting"} & event_fields(Kube)
    assert {"bank_name", "bank_account_number", "bank_account_holder", "status"} <= event_fields(Kube)
    for untracked in (GraduationStatus, MaturityPeriod, RecomputeRun):
        assert not hasattr(untracked, "pgh_event_models")


def _write_every_model(officer) -> dict:
    """One insert, one update and one delete of each tracked model; returns {model: object id}."""
    household = HouseholdFactory()
    member = MemberFactory(household=household)
    kube = KubeFactory()
    membership = MembershipFactory(kube=kube)
    grant = GrantFactory(kube=kube, recorded_by=officer)
    report = BusinessReportFactory(kube=kube)
    mentor = MentorFactory()
    assignment = AssignmentFactory(mentor=mentor, kube=kube, created_by=officer)
    batch = TrainingBatchFactory()
    participation = TrainingParticipation.objects.create(batch=batch, mentor=mentor)
    visit = FieldVisitFactory(mentor=mentor, kube=kube)
    assessment = HouseholdAssessment.objects.create(
        household=household,
        assessed_on=datetime.date(2026, 1, 5),
        monthly_income=2_000_000,
        housing_condition="layak",
        source="survei",
        assessor=officer,
    )
    decision = GraduationDecision.objects.create(household=household, basis="siap", proposed_by=officer)
    criteria = CriteriaSet.objects.create(version=77, is_active=False)
    line = PovertyLine.objects.create(province_id="32", area="perkotaan", period=datetime.date(2031, 3, 1), amount=1)
    user = UserFactory(role="admin")
    area = DirectorateArea.objects.create(code="uji", name="Wilayah Uji")
    updates = [
        (household, "phone", "0811"),
        (member, "occupation", "Petani"),
        (kube, "bank_account_number", "999000111"),
        (membership, "left_reason", "Pindah"),
        (grant, "amount", 1_000),
        (report, "notes", "Diperbaiki"),
        (mentor, "phone", "0822"),
        (assignment, "end_reason", "Uji"),
        (batch, "place", "Balai Pelatihan Uji"),
        (participation, "attended", False),
        (visit, "notes", "Catatan baru"),
        (assessment, "savings", 5),
        (decision, "reason", "Uji"),
        (criteria, "note", "Uji"),
        (line, "amount", 2),
        (user, "first_name", "Baru"),
        (area, "name", "Wilayah Uji Baru"),
    ]
    for row, field, value in updates:
        setattr(row, field, value)
        row.save(update_fields=[field])
    written = {type(row): row.pk for row, _field, _value in updates}
    # Leaves first, so nothing protects what is deleted.
    for row in [
        participation,
        visit,
        assignment,
        decision,
        assessment,
        report,
        grant,
        membership,
        member,
        batch,
        criteria,
        line,
        area,
        kube,
        household,
        mentor,
        user,
    ]:
        type(row).objects.filter(pk=row.pk).delete()
    return written


def test_every_write_of_every_tracked_model_carries_its_context(officer_bandung):
    with write_context(Source.PAGE, user=officer_bandung.pk, url="/uji/", method="POST"):
        written = _write_every_model(officer_bandung)
    assert set(written) == set(TRACKED)
    for model, pk in written.items():
        events = model.pgh_event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context")
        labels = [event.pgh_label for event in events.order_by("pgh_id")]
        assert labels == [INSERT, BEFORE, UPDATE, DELETE], model
        for event in events:
            assert event.pgh_context.metadata == {
                "user": officer_bandung.pk,
                "source": "page",
                "url": "/uji/",
                "method": "POST",
            }, model


def test_a_directorate_areas_provinces_are_tracked_too(wilayah_1, admin_user):
    event_model = apps.get_model("regions", "DirectorateAreaProvinceEvent")
    with write_context(Source.ADMIN, user=admin_user.pk):
        wilayah_1.provinces.add("31")  # DKI Jakarta is not in Wilayah I
        wilayah_1.provinces.remove("31")
    events = event_model.objects.filter(directoratearea=wilayah_1, region="31").order_by("pgh_id")
    assert [(e.pgh_label, e.pgh_context.metadata["user"]) for e in events] == [
        ("province_add", admin_user.pk),
        ("province_remove", admin_user.pk),
    ]


# --- Through the pages --------------------------------------------------------------------------------


def kube_entries(client, kube) -> list:
    return client.get(reverse("groups:kube_detail", args=[kube.pk])).context["history"].entries


def kube_form(kube, **changed) -> dict:
    data = {
        "name": kube.name,
        "program": kube.program_id,
        "business_type": kube.business_type,
        "business_field": kube.business_field_id,
        "kecamatan": kube.kecamatan_id,
        "secretariat_village": kube.secretariat_village_id or "",
        "secretariat_address": kube.secretariat_address,
        "founded_on": kube.founded_on.isoformat(),
        "bank_name": kube.bank_name,
        "bank_account_number": kube.bank_account_number,
        "bank_account_holder": kube.bank_account_holder,
        "version": kube.version,
    }
    return {**data, **changed}


def test_a_kubes_account_change_and_its_grants_are_in_its_history(client, officer_bandung):
    kube = KubeFactory(status=Status.DITETAPKAN, bank_account_number="0012000001")
    client.force_login(officer_bandung)
    response = client.post(
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
    response = client.post(reverse("groups:kube_edit", args=[kube.pk]), kube_form(kube, bank_account_number="777"))
    assert response.status_code == 302

    # The grant keeps the account it was paid to; the KUBE's account moved on, and the page says so.
    grant = kube.grants.get()
    assert (grant.bank_name, grant.bank_account_number) == ("BRI", "0012000001")
    latest, status, granted, *_older = kube_entries(client, kube)
    assert (latest.action, latest.subject, latest.actor, latest.source) == ("Diubah", "", officer_bandung, "halaman")
    assert changes(latest) == {"Nomor rekening": ("0012000001", "777")}
    assert changes(status)["Status"] == ("Ditetapkan", "Aktif")
    assert (granted.action, granted.subject, granted.actor) == ("Dibuat", "Bantuan: SP2D-77", officer_bandung)
    assert changes(granted)["Nomor rekening"] == (None, "0012000001")
    assert changes(granted)["Nilai (Rp)"] == (None, "20.000.000")
    page = client.get(reverse("groups:kube_detail", args=[kube.pk])).content.decode()
    assert "BRI 0012000001" in page  # the grants table names the account


def test_a_membership_added_on_the_page_is_in_the_kubes_history(client, officer_bandung):
    kube = KubeFactory()
    candidate = HouseholdFactory(village_id="32.73.01.1002")
    MemberFactory(household=candidate)
    client.force_login(officer_bandung)
    client.post(
        reverse("groups:membership_add", args=[kube.pk]),
        {"household": candidate.pk, "role": "ketua", "joined_on": "2025-02-01"},
    )
    (joined,) = kube_entries(client, kube)[:1]
    assert (joined.action, joined.subject, joined.actor) == (
        "Dibuat",
        f"Keanggotaan: {candidate.no_kk}",
        officer_bandung,
    )
    assert changes(joined)["Jabatan"] == (None, "Ketua")
    assert changes(joined)["Bergabung"] == (None, "1 Feb 2025")


def test_the_history_speaks_the_readers_language(client, officer_bandung):
    household = HouseholdFactory()
    head = MemberFactory(household=household, relationship="kepala", name="Asep")
    client.force_login(officer_bandung)
    url = reverse("beneficiaries:household_detail", args=[household.pk])
    with write_context(Source.PAGE, user=officer_bandung.pk):
        Member.objects.filter(pk=head.pk).update(relationship="lainnya")
        Household.objects.filter(pk=household.pk).update(receives_pkh=True)

    page = client.get(url)
    assert changes(page.context["history"].entries[0]) == {"PKH": ("Tidak", "Ya")}
    assert changes(page.context["history"].entries[1]) == {
        "Hubungan dengan kepala keluarga": ("Kepala keluarga", "Lainnya")
    }
    body = page.content.decode()
    assert "Hubungan dengan kepala keluarga" in body and "<del>Kepala keluarga</del>" in body
    assert "hubungan: kepala" not in body and "False" not in body

    client.cookies["django_language"] = "en"
    english = client.get(url)
    assert english.context["history"].entries[0].action == "Changed"
    assert changes(english.context["history"].entries[0]) == {"PKH": ("No", "Yes")}
    assert changes(english.context["history"].entries[1]) == {
        "Relationship to the head": ("Head of household", "Other")
    }
    assert "Relationship to the head" in english.content.decode()


def test_the_history_is_paginated_newest_first(client, officer_bandung):
    household = HouseholdFactory(address="Alamat 0")
    with write_context(Source.PAGE, user=officer_bandung.pk):
        for number in range(1, 26):
            Household.objects.filter(pk=household.pk).update(address=f"Alamat {number}")
    client.force_login(officer_bandung)
    url = reverse("beneficiaries:household_detail", args=[household.pk])
    first = client.get(url).context["history"]
    assert len(first.entries) == 20
    assert changes(first.entries[0]) == {"Alamat": ("Alamat 24", "Alamat 25")}
    assert first.next_url == "?riwayat=2#riwayat" and not first.previous_url
    second = client.get(url, {"riwayat": 2}).context["history"]
    assert [changes(e).get("Alamat") for e in second.entries] == [
        ("Alamat 4", "Alamat 5"),
        ("Alamat 3", "Alamat 4"),
        ("Alamat 2", "Alamat 3"),
        ("Alamat 1", "Alamat 2"),
        ("Alamat 0", "Alamat 1"),
        (None, "Alamat 0"),
    ]
    assert 'href="?riwayat=1#riwayat"' in client.get(url, {"riwayat": 2}).content.decode()


def test_the_history_page_reads_a_bounded_number_of_queries(client, officer_bandung, django_assert_max_num_queries):
    household = HouseholdFactory()
    with write_context(Source.PAGE, user=officer_bandung.pk):
        for number in range(30):
            MemberFactory(household=household, relationship="anak")
            Household.objects.filter(pk=household.pk).update(address=f"Alamat {number}")
    client.force_login(officer_bandung)
    # Listing, count, events and their "before" rows per model, actors, related names: not one per entry.
    with django_assert_max_num_queries(40):
        client.get(reverse("beneficiaries:household_detail", args=[household.pk]))


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("beneficiaries:household_detail", lambda: HouseholdFactory()),
        ("groups:kube_detail", lambda: KubeFactory()),
        ("mentors:mentor_detail", lambda: MentorFactory()),
    ],
)
def test_a_reader_outside_the_scope_gets_404_not_the_history(client, officer_garut, name, record):
    client.force_login(officer_garut)
    assert client.get(reverse(name, args=[record().pk]), {"riwayat": 1}).status_code == 404


def test_a_login_outside_the_managers_reach_has_no_history_page(client, officer_garut, mentor_bandung):
    client.force_login(officer_garut)
    assert client.get(reverse("accounts:user_edit", args=[mentor_bandung.pk]), {"riwayat": 1}).status_code == 404


def test_masked_niks_for_readers_without_the_right(client, officer_jabar, officer_bandung):
    household = HouseholdFactory()
    with write_context(Source.PAGE, user=officer_bandung.pk):
        member = MemberFactory(household=household, name="Siti")
    client.force_login(officer_jabar)
    (entry,) = client.get(reverse("beneficiaries:household_detail", args=[household.pk])).context["history"].entries[:1]
    masked = member.nik[:4] + "********" + member.nik[-4:]
    assert entry.subject == f"Anggota: Siti · {masked}"
    assert changes(entry)["NIK"] == (None, masked)


# --- Imports, the API, raw SQL, the nightly ---------------------------------------------------------


def test_an_import_job_records_its_rows_as_the_jobs(tmp_path, settings, officer_bandung):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ImportJob(user=officer_bandung, original_name="kpm.csv", dry_run=False)
    job.file.save("kpm.csv", ContentFile(write_csv(tmp_path, GOOD[:2]).read_bytes()))
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.messages

    history = entries(household_history(Household.objects.get(no_kk=KK_1)), officer_bandung)
    assert {(e.action, e.actor, e.source) for e in history} == {("Dibuat", officer_bandung, f"impor #{job.pk}")}
    assert len(history) == 3  # the household and its two members


def test_a_bulk_update_records_each_household_with_its_values_before_and_after(client, officer_bandung):
    first, second = HouseholdFactory(desil=2), HouseholdFactory(desil=7)
    client.force_login(officer_bandung)
    client.post(
        reverse("beneficiaries:household_bulk_update"),
        {"households": [first.pk, second.pk], "field": "desil", "value": "4"},
    )
    for household, before in ((first, "2"), (second, "7")):
        latest = entries(household_history(household), officer_bandung)[0]
        assert (latest.actor, latest.source, changes(latest)) == (
            officer_bandung,
            "halaman",
            {"Desil DTSEN": (before, "4")},
        )


@pytest.mark.urls("audit.tests.urls")
def test_an_api_request_records_the_user_its_token_authenticated(client, officer_bandung, officer_garut):
    household = HouseholdFactory()
    # Logged in as one user in the session, the request authenticates as another in the view (a token).
    client.force_login(officer_garut)
    response = client.post(f"/api/uji/{household.pk}/", HTTP_AUTHORIZATION=f"Token {officer_bandung.username}")
    assert response.status_code == 200
    (latest,) = entries(household_history(household), officer_bandung)[:1]
    assert (latest.actor, latest.source, latest.path) == (officer_bandung, "API", f"/api/uji/{household.pk}/")
    assert changes(latest) == {"Telepon": (None, "0899")}


def test_raw_sql_is_recorded_with_the_context_it_ran_in_or_as_the_system(admin_user):
    household = HouseholdFactory(desil=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE beneficiaries_household SET desil = 2 WHERE id = %s", [household.pk])
        with write_context(Source.COMMAND, user=admin_user.pk):
            cursor.execute("UPDATE beneficiaries_household SET desil = 3 WHERE id = %s", [household.pk])
    by_command, by_nobody, _created = entries(household_history(household), admin_user)
    assert (by_command.actor, by_command.source, changes(by_command)) == (
        admin_user,
        "perintah",
        {"Desil DTSEN": ("2", "3")},
    )
    assert (by_nobody.actor, by_nobody.source, changes(by_nobody)) == (None, "sistem", {"Desil DTSEN": ("1", "2")})


def test_the_nightly_run_is_not_recorded_row_by_row(regions):
    run_date = datetime.date(2026, 6, 15)
    kubes = [KubeFactory(status=Status.AKTIF, activated_on=datetime.date(2023, 1, 10)) for _ in range(3)]
    for kube in kubes:
        BusinessReport.objects.bulk_create(
            BusinessReport(
                kube=kube, month=month_start(run_date.replace(day=1), -n), revenue=6_000_000, costs=5_000_000
            )
            for n in range(1, 13)
        )
        MembershipFactory(kube=kube)
    CriteriaSet.objects.active()  # the criteria in force exist before the night
    tracked = [model.pgh_event_model for model in TRACKED]
    before = {model: model.objects.count() for model in tracked}

    run = recompute_graduation(run_date=run_date)

    assert {kube.maturity_level for kube in Kube.objects.filter(pk__in=[k.pk for k in kubes])} == {
        MaturityLevel.BERKEMBANG
    }
    assert GraduationStatus.objects.filter(run=run).count() >= 3
    assert {model: model.objects.count() for model in tracked} == before


def test_a_users_password_change_is_a_fact_without_the_hash(client, officer_bandung, mentor_bandung):
    client.force_login(officer_bandung)
    response = client.post(
        reverse("accounts:user_password_reset", args=[mentor_bandung.pk]),
        {"password1": "Sandi-baru-2026!", "password2": "Sandi-baru-2026!"},
    )
    assert response.status_code == 302
    (reset,) = [e for e in entries(user_history(mentor_bandung), officer_bandung) if e.action == "Kata sandi diubah"]
    assert (reset.actor, reset.changes) == (officer_bandung, [])
    stored = mentor_bandung.pgh_event_model.objects.filter(pgh_obj=mentor_bandung).values()
    assert all("password" not in row for row in stored)


def test_a_stale_edit_names_who_saved_last_from_the_trail(client, officer_bandung):
    mentor = MentorFactory(phone="0811")
    client.force_login(officer_bandung)
    with write_context(Source.PAGE, user=officer_bandung.pk):
        Mentor.objects.filter(pk=mentor.pk).update(phone="0812", version=mentor.version + 1)
    assert mentor_history(mentor).last_change()[0] == officer_bandung
    assert kube_history(KubeFactory()).last_change() is None  # created without a person
    assert timezone.now() - mentor_history(mentor).last_change()[1] < datetime.timedelta(minutes=1)


def test_decimal_and_related_values_are_worded(officer_bandung):
    criteria = CriteriaSet.objects.create(version=78, is_active=False, income_multiple=decimal.Decimal("1.50"))
    with write_context(Source.PAGE, user=officer_bandung.pk):
        CriteriaSet.objects.filter(pk=criteria.pk).update(income_multiple=decimal.Decimal("1.75"))
    history = history_of(criteria, Stream(CriteriaSet.pgh_event_model, Q(pgh_obj=criteria.pk)))
    assert changes(entries(history, officer_bandung)[0]) == {"Kelipatan garis kemiskinan": ("1.5", "1.75")}
    kube = KubeFactory()
    with write_context(Source.PAGE, user=officer_bandung.pk):
        Kube.objects.filter(pk=kube.pk).update(kecamatan_id="32.73.02", region_code="32.73.02")
    (moved,) = entries(kube_history(kube), officer_bandung)[:1]
    assert changes(moved) == {
        "Kecamatan": (str(Region.objects.get(code="32.73.01")), str(Region.objects.get(code="32.73.02")))
    }


# --- The admin ---------------------------------------------------------------------------------------


def test_the_admin_lists_events_by_model_actor_and_source_read_only(client, admin_user, officer_bandung):
    household = HouseholdFactory()
    with write_context(Source.PAGE, user=officer_bandung.pk, url="/kpm/1/ubah/"):
        Household.objects.filter(pk=household.pk).update(phone="0811")
    with write_context(Source.IMPORT, user=admin_user.pk, import_job=5):
        Household.objects.filter(pk=household.pk).update(phone="0822")
    client.force_login(admin_user)
    url = reverse("admin:audit_auditevents_changelist")

    assert client.get(url).status_code == 200
    by_actor = client.get(url, {"actor": officer_bandung.username}).content.decode()
    assert "/kpm/1/ubah/" in by_actor and "0811" in by_actor and "0822" not in by_actor
    by_source = client.get(url, {"source": "import"}).content.decode()
    assert "0822" in by_source and "/kpm/1/ubah/" not in by_source
    by_model = client.get(url, {"event_model": "beneficiaries.householdevent", "actor": officer_bandung.username})
    assert by_model.status_code == 200 and "0811" in by_model.content.decode()
    assert client.get(url, {"actor": "nobody"}).status_code == 200
    # Read-only: no add, change or delete.
    assert client.get(reverse("admin:audit_legacyentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_legacyentry_add")).status_code == 403
