"""Covering indexes for the nightly readiness statement (graduation/recompute.py).

Per household the statement looks up its members, its latest assessment and its current
KUBE membership (and that KUBE's level). With these indexes each lookup is an index-only
scan (no visit of the wide table rows): at 1,000,000 households the readiness step on
unchanged data went from 11.8 s to 9.0 s on 2 cores. The tables belong to other apps but
only this statement needs the indexes, so they live here (raw SQL, not in model state).
"""

from django.db import migrations

INDEXES = [
    (
        "graduation_member_pkh",
        "beneficiaries_member (household_id) INCLUDE (birth_date, is_pregnant, has_disability)",
    ),
    (
        "graduation_assessment_cover",
        "graduation_householdassessment (household_id, assessed_on DESC, id DESC) "
        "INCLUDE (monthly_income, savings, productive_assets)",
    ),
    (
        "graduation_membership_current",
        "groups_membership (household_id) INCLUDE (kube_id, joined_on) WHERE left_on IS NULL",
    ),
    ("graduation_kube_active_level", "groups_kube (id) INCLUDE (maturity_level) WHERE status = 'aktif'"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("graduation", "0008_run_dashboards_seconds"),
        ("beneficiaries", "0004_audit_actor_without_constraint"),
        ("groups", "0002_reference_data"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", f"DROP INDEX IF EXISTS {name}")
        for name, definition in INDEXES
    ]
