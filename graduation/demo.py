"""Demo household assessments, so that readiness has something to weigh."""

import time

from django.db import connection, transaction

# Share of households that get an assessment; the rest stay `belum` with "belum ada asesmen".
ASSESSED_SHARE = 0.7


@transaction.atomic
def seed_assessments(*, share: float = ASSESSED_SHARE, stdout=None) -> int:
    """Give about `share` of the households without an assessment one; returns how many were added.

    Income is spread around and above the poverty line for the household's size, with some
    savings and productive assets, so that every readiness state occurs.
    """
    from accounts.models import User

    started = time.monotonic()
    assessor = User.objects.filter(is_superuser=True).order_by("id").first() or User.objects.order_by("id").first()
    if assessor is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(
            """
            INSERT INTO graduation_householdassessment
                (household_id, assessed_on, monthly_income, savings, productive_assets, housing_condition,
                 source, assessor_id, note, created_at)
            SELECT h.id, current_date - (random() * 300)::int,
                   (m.n * (300000 + random() * 1500000))::bigint,
                   (random() * random() * 12000000)::bigint,
                   (random() * random() * 15000000)::bigint,
                   (ARRAY['layak', 'kurang', 'tidak'])[1 + (random() * 2)::int],
                   (ARRAY['kunjungan', 'survei'])[1 + (random())::int],
                   %s, '', now()
            FROM beneficiaries_household h
            JOIN (SELECT household_id, count(*) AS n FROM beneficiaries_member GROUP BY household_id) m
              ON m.household_id = h.id
            -- Chosen by a hash of the No. KK, not by random(), so a re-run picks the same households.
            WHERE (hashtext(h.no_kk) & 1023) < %s * 1024
              AND NOT EXISTS (SELECT 1 FROM graduation_householdassessment a WHERE a.household_id = h.id)
            """,
            [assessor.pk, share],
        )
        added = cursor.rowcount
    if stdout is not None:
        stdout.write(f"Assessments: {added:,} added in {time.monotonic() - started:.1f} s.\n")
    return added
