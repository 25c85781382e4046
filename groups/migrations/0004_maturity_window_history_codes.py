"""Maturity per DESIGN.md section 4: calendar window, *tidak melapor*, history, reasons as codes.

Data: the old maturity reasons were Indonesian sentences under the old rule (last N reports);
they are emptied here (the page shows none) and the next classification writes codes. Every
KUBE that was classified gets an open history period from the date its level was set. The
system's status-history note "Bantuan pertama disalurkan (ref)." (or its English rendering,
written by an English-speaking officer) becomes the code `first_grant` with the reference.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


OPEN_PERIODS = """
INSERT INTO groups_maturityperiod (kube_id, level, started_on, ended_on, reason)
SELECT id, maturity_level, maturity_set_on, NULL, '{}'::jsonb FROM groups_kube WHERE maturity_set_on IS NOT NULL
"""

STATUS_NOTES = r"""
UPDATE groups_kubestatuschange c
SET note = 'first_grant',
    note_params = CASE WHEN x.m[1] IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reference', x.m[1]) END,
    comment = ''
FROM (
    SELECT id, regexp_match(comment, '^(?:Bantuan pertama disalurkan|First grant disbursed)(?: \((.*)\))?\.$') AS m
    FROM groups_kubestatuschange WHERE to_status = 'aktif'
) x
WHERE x.id = c.id AND x.m IS NOT NULL
"""

STATUS_NOTES_BACK = """
UPDATE groups_kubestatuschange
SET comment = 'Bantuan pertama disalurkan' || coalesce(' (' || (note_params ->> 'reference') || ')', '') || '.'
WHERE note = 'first_grant'
"""


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0003_kube_version'),
        ('regions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MaturityPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.CharField(choices=[('tumbuh', 'Tumbuh'), ('berkembang', 'Berkembang'), ('maju', 'Maju')], max_length=10, verbose_name='tingkat kematangan')),
                ('started_on', models.DateField(verbose_name='sejak')),
                ('ended_on', models.DateField(blank=True, null=True, verbose_name='sampai')),
                ('reason', models.JSONField(blank=True, default=dict, verbose_name='alasan')),
            ],
            options={
                'verbose_name': 'riwayat tingkat kematangan',
                'verbose_name_plural': 'riwayat tingkat kematangan',
                'ordering': ['kube', '-started_on', '-id'],
            },
        ),
        migrations.AddField(
            model_name='kube',
            name='not_reporting',
            field=models.BooleanField(db_default=False, default=False, verbose_name='tidak melapor'),
        ),
        migrations.AddField(
            model_name='kubestatuschange',
            name='note',
            field=models.CharField(blank=True, choices=[('first_grant', 'Bantuan pertama disalurkan')], max_length=20, verbose_name='catatan sistem'),
        ),
        migrations.AddField(
            model_name='kubestatuschange',
            name='note_params',
            field=models.JSONField(blank=True, default=dict, verbose_name='nilai catatan sistem'),
        ),
        migrations.AddField(
            model_name='maturitythresholds',
            name='maju_min_reports',
            field=models.PositiveSmallIntegerField(default=6, verbose_name='Maju: laporan minimal per jendela untuk menilai pertumbuhan omzet'),
        ),
        migrations.AddField(
            model_name='maturitythresholds',
            name='not_reporting_months',
            field=models.PositiveSmallIntegerField(default=3, verbose_name='tidak melapor: bulan lengkap terakhir tanpa laporan'),
        ),
        migrations.RunSQL(
            "UPDATE groups_kube SET maturity_reason = '{}'",
            "UPDATE groups_kube SET maturity_reason = ''",
        ),
        migrations.AlterField(
            model_name='kube',
            name='maturity_reason',
            field=models.JSONField(blank=True, default=dict, verbose_name='alasan tingkat kematangan'),
        ),
        migrations.AlterField(
            model_name='maturitythresholds',
            name='berkembang_min_profitable',
            field=models.PositiveSmallIntegerField(default=6, verbose_name='Berkembang: bulan berlaba minimal'),
        ),
        migrations.AlterField(
            model_name='maturitythresholds',
            name='berkembang_window',
            field=models.PositiveSmallIntegerField(default=12, help_text='Bulan kalender lengkap sebelum bulan perhitungan; bulan tanpa laporan dihitung tanpa laba.', verbose_name='jendela penilaian (bulan kalender lengkap)'),
        ),
        migrations.AddIndex(
            model_name='kube',
            index=models.Index(condition=models.Q(('not_reporting', True), ('status', 'aktif')), fields=['region_code'], name='kube_not_reporting', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddConstraint(
            model_name='maturitythresholds',
            constraint=models.CheckConstraint(condition=models.Q(('not_reporting_months__gte', 1)), name='maturity_not_reporting_positive'),
        ),
        migrations.AddField(
            model_name='maturityperiod',
            name='kube',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='maturity_periods', to='groups.kube', verbose_name='KUBE'),
        ),
        migrations.AddIndex(
            model_name='maturityperiod',
            index=models.Index(fields=['kube', '-started_on'], name='maturity_period_kube'),
        ),
        migrations.RunSQL(OPEN_PERIODS, migrations.RunSQL.noop),
        migrations.RunSQL(STATUS_NOTES, STATUS_NOTES_BACK),
    ]
