from django.db import migrations, models


def steps_from_columns(apps, schema_editor):
    """The finished steps of the runs recorded before the ledger had one field for them."""
    RecomputeRun = apps.get_model("graduation", "RecomputeRun")
    for run in RecomputeRun.objects.all():
        steps = {}
        if run.maturity:
            steps["maturity"] = run.maturity
        if run.status == "done":
            steps["readiness"] = run.counts
        if run.dashboards_seconds is not None:
            steps["dashboards"] = {"seconds": run.dashboards_seconds}
        if steps:
            RecomputeRun.objects.filter(pk=run.pk).update(steps=steps)


def columns_from_steps(apps, schema_editor):
    RecomputeRun = apps.get_model("graduation", "RecomputeRun")
    for run in RecomputeRun.objects.exclude(steps={}):
        RecomputeRun.objects.filter(pk=run.pk).update(
            maturity=run.steps.get("maturity", {}),
            dashboards_seconds=run.steps.get("dashboards", {}).get("seconds"),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("graduation", "0011_audit_trail"),
    ]

    operations = [
        migrations.AddField(
            model_name="recomputerun",
            name="steps",
            field=models.JSONField(blank=True, default=dict, verbose_name="langkah selesai"),
        ),
        migrations.RunPython(steps_from_columns, columns_from_steps),
        migrations.RemoveField(model_name="recomputerun", name="maturity"),
        migrations.RemoveField(model_name="recomputerun", name="dashboards_seconds"),
    ]
