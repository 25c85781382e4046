"""Readiness per DESIGN.md section 4, explained in codes: "perlu asesmen", no stored sentences.

Data: the stored explanations lose their Indonesian sentences ("text"; the pages word the codes
instead), `needs_assessment` is set from them, and `inputs` are emptied so the next run rewrites
every household under the corrected rules (no assessment counts as not met, alamiah needs PKH,
a future leaving date still counts, any qualifying membership is enough). The covering index of
the current memberships now holds those leaving later too.
"""

from django.db import migrations, models

STRIP_SENTENCES = """
UPDATE graduation_graduationstatus
SET explanation = (
        SELECT coalesce(jsonb_object_agg(key, CASE WHEN jsonb_typeof(value) = 'object' THEN value - 'text' ELSE value END),
                        '{}'::jsonb)
        FROM jsonb_each(explanation)
    ),
    needs_assessment = (explanation -> 'assessment' ->> 'date') IS NULL,
    inputs = '{}'
"""

MEMBERSHIP_INDEX = (
    "DROP INDEX IF EXISTS graduation_membership_current; "
    "CREATE INDEX IF NOT EXISTS graduation_membership_current "
    "ON groups_membership (household_id) INCLUDE (kube_id, joined_on, left_on)"
)
MEMBERSHIP_INDEX_BACK = (
    "DROP INDEX IF EXISTS graduation_membership_current; "
    "CREATE INDEX IF NOT EXISTS graduation_membership_current "
    "ON groups_membership (household_id) INCLUDE (kube_id, joined_on) WHERE left_on IS NULL"
)


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0004_audit_actor_without_constraint'),
        ('graduation', '0009_recompute_covering_indexes'),
        ('groups', '0004_maturity_window_history_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='graduationstatus',
            name='needs_assessment',
            field=models.BooleanField(default=False, verbose_name='perlu asesmen'),
        ),
        migrations.AddIndex(
            model_name='graduationstatus',
            index=models.Index(fields=['state', 'region_code'], name='graduation_status_state_region', opclasses=['varchar_pattern_ops', 'varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='graduationstatus',
            index=models.Index(condition=models.Q(('needs_assessment', True)), fields=['region_code'], name='graduation_status_needs_assess', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunSQL(STRIP_SENTENCES, migrations.RunSQL.noop),
        migrations.RunSQL(MEMBERSHIP_INDEX, MEMBERSHIP_INDEX_BACK),
    ]
