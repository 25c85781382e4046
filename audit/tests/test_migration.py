"""The rows of the three audit tables the trail replaced are still shown after the migration, and the
grants recorded before it learn the account they were paid to."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from audit.tests.helpers import changes
from beneficiaries.tests.factories import HouseholdFactory, MemberFactory
from groups.models import Grant
from groups.tests.factories import GrantFactory, KubeFactory
from mentors.tests.factories import MentorFactory

#: The last migrations before the trail, in the apps that had an audit table.
BEFORE = [
    ("beneficiaries", "0006_import_job_attempts"),
    ("accounts", "0003_downloadrecord"),
    ("mentors", "0003_assignment_version_mentor_version"),
]
AT = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_audit_rows_are_shown_on_the_history_pages_after_the_migration(client, officer_bandung):
    household = HouseholdFactory()
    member = MemberFactory(household=household, name="Euis")
    mentor = MentorFactory()
    kube = KubeFactory(bank_name="BJB", bank_account_number="0099887766", bank_account_holder="KUBE Uji")
    grant = GrantFactory(kube=kube, recorded_by=officer_bandung)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        old.get_model("beneficiaries", "AuditEntry").objects.create(
            household_id=household.pk,
            member_nik=member.nik,
            action="update",
            source="import",
            actor_id=officer_bandung.pk,
            changes={"name": ["Euis R.", "Euis"], "birth_date": ["1980-01-02", "1980-02-01"]},
        )
        old.get_model("beneficiaries", "AuditEntry").objects.create(
            household_id=household.pk,
            action="deactivate",
            source="form",
            actor_id=officer_bandung.pk,
            changes={"is_active": [True, False], "deactivation_reason": ["", "pindah"]},
        )
        old.get_model("accounts", "UserAuditEntry").objects.create(
            user_id=mentor.user_id, actor_id=officer_bandung.pk, action="password_reset"
        )
        old.get_model("mentors", "MentorAuditEntry").objects.create(
            mentor_id=mentor.pk, actor_id=officer_bandung.pk, action="update", changes={"phone": ["0811", "0812"]}
        )
        with connection.cursor() as cursor:
            for table in ("beneficiaries_auditentry", "accounts_userauditentry", "mentors_mentorauditentry"):
                cursor.execute(f"UPDATE {table} SET at = %s", [AT])  # noqa: S608 - our table names
    finally:
        migrate(latest)

    client.force_login(officer_bandung)
    household_entries = client.get(reverse("beneficiaries:household_detail", args=[household.pk])).context["history"]
    old_rows = [e for e in household_entries.entries if e.at == AT]
    assert [(e.action, e.actor, e.source, e.subject) for e in old_rows] == [
        ("Dinonaktifkan", officer_bandung, "halaman", ""),
        ("Diubah", officer_bandung, "impor", f"Anggota keluarga: {member.nik}"),
    ]
    assert changes(old_rows[0]) == {"Aktif": ("Ya", "Tidak"), "Alasan nonaktif": (None, "Pindah")}
    assert changes(old_rows[1]) == {"Nama": ("Euis R.", "Euis"), "Tanggal lahir": ("2 Jan 1980", "1 Feb 1980")}

    (mentor_entry,) = [
        e for e in client.get(reverse("mentors:mentor_detail", args=[mentor.pk])).context["audit"].entries if e.at == AT
    ]
    assert (mentor_entry.action, mentor_entry.actor, changes(mentor_entry)) == (
        "Diubah",
        officer_bandung,
        {"Telepon": ("0811", "0812")},
    )
    user_page = client.get(reverse("accounts:user_edit", args=[mentor.user_id]))
    (user_entry,) = [e for e in user_page.context["history"].entries if e.at == AT]
    assert (user_entry.action, user_entry.actor) == ("Kata sandi disetel ulang", officer_bandung)
    assert "Kata sandi disetel ulang" in user_page.content.decode()

    grant = Grant.objects.get(pk=grant.pk)
    assert (grant.bank_name, grant.bank_account_number, grant.bank_account_holder) == ("BJB", "0099887766", "KUBE Uji")
