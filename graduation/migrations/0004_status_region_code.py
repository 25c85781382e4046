from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("graduation", "0003_criteria_assessment_readiness_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="graduationstatus",
            name="region_code",
            field=models.CharField(default="", editable=False, max_length=13, verbose_name="kode wilayah"),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "UPDATE graduation_graduationstatus gs SET region_code = h.region_code "
            "FROM beneficiaries_household h WHERE h.id = gs.household_id",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="graduationstatus",
            index=models.Index(fields=["region_code"], name="graduation_status_region", opclasses=["varchar_pattern_ops"]),
        ),
    ]
