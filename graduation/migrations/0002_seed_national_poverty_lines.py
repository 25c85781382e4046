import datetime

from django.db import migrations

# BPS national poverty lines, Rp per capita per month: (period, total, urban, rural).
NATIONAL_LINES = [
    (datetime.date(2023, 3, 1), 550_458, 569_299, 525_050),
    (datetime.date(2024, 9, 1), 595_242, 615_763, 566_655),
    (datetime.date(2025, 3, 1), 609_160, 629_561, 580_349),
]


def seed(apps, schema_editor):
    PovertyLine = apps.get_model("graduation", "PovertyLine")
    for period, total, urban, rural in NATIONAL_LINES:
        for area, amount in (("total", total), ("perkotaan", urban), ("perdesaan", rural)):
            PovertyLine.objects.get_or_create(
                province=None, area=area, period=period, defaults={"amount": amount, "source": "BPS (nasional)"}
            )


def unseed(apps, schema_editor):
    PovertyLine = apps.get_model("graduation", "PovertyLine")
    PovertyLine.objects.filter(province=None, period__in=[row[0] for row in NATIONAL_LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("graduation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
