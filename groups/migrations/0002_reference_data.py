"""Seed the programmes, their default grants, business fields and maturity thresholds (DESIGN.md defaults)."""

from django.db import migrations

PROGRAMS = [
    # code, name, description, tracks eggs, {year: grant}
    ("reguler", "KUBE Reguler", "Bantuan usaha ekonomi produktif KUBE Kementerian Sosial.", False, {2025: 20_000_000}),
    (
        "bekerja",
        "KUBE BEKERJA",
        "Bantuan ayam petelur bersama Kementerian Pertanian (Bedah Kemiskinan Rakyat Sejahtera).",
        True,
        {2025: 20_000_000},
    ),
    ("e-warong", "e-Warong KUBE", "Warung gotong royong penyalur bantuan sosial non-tunai.", False, {2025: 20_000_000}),
]

FIELDS = [
    ("Ternak ayam petelur", "produksi"),
    ("Ternak kambing/domba", "produksi"),
    ("Ternak ikan (budidaya)", "produksi"),
    ("Pertanian hortikultura", "produksi"),
    ("Kuliner / makanan olahan", "produksi"),
    ("Kerajinan tangan", "produksi"),
    ("Jahit / konveksi", "jasa"),
    ("Bengkel / servis", "jasa"),
    ("Salon / tata rias", "jasa"),
    ("Laundry", "jasa"),
    ("Warung sembako", "perdagangan"),
    ("e-Warong", "perdagangan"),
    ("Pedagang keliling", "perdagangan"),
]


def seed(apps, schema_editor):
    Program = apps.get_model("groups", "Program")
    ProgramGrantAmount = apps.get_model("groups", "ProgramGrantAmount")
    BusinessField = apps.get_model("groups", "BusinessField")
    MaturityThresholds = apps.get_model("groups", "MaturityThresholds")
    for code, name, description, tracks_eggs, amounts in PROGRAMS:
        program, _ = Program.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "tracks_eggs": tracks_eggs}
        )
        for year, amount in amounts.items():
            ProgramGrantAmount.objects.get_or_create(program=program, year=year, defaults={"amount": amount})
    for name, business_type in FIELDS:
        BusinessField.objects.get_or_create(name=name, defaults={"business_type": business_type})
    if not MaturityThresholds.objects.exists():
        MaturityThresholds.objects.create(note="Nilai bawaan DESIGN.md")


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
