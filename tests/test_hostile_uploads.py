"""Hostile files through the upload page with a real Celery worker, and a worker killed mid-import.

A worker subprocess (prefork, one pool process, as in production) runs against this test's
database and Redis; the tests are transactional so that it sees what the page commits.
Every hostile file must end `failed` or `done` with a message within 30 s, the worker must be
the same processes afterwards, and no process of it may have gone above 500 MB resident.
Run with -s to see the figures per file.
"""

import csv
import datetime
import os
import random
import re
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from beneficiaries.importing import COLUMNS
from beneficiaries.models import Household, ImportJob, Member
from beneficiaries.tests import hostile
from tests.servers import status as _status

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
JOB_DEADLINE_SECONDS = 30
RSS_LIMIT_MB = 500


def wait_for_end(job_id: int, deadline_seconds: float) -> ImportJob:
    deadline = time.monotonic() + deadline_seconds
    while True:
        job = ImportJob.objects.get(pk=job_id)
        if job.finished or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def upload(client: Client, path: Path, *, dry_run: bool):
    with path.open("rb") as handle:
        return client.post(
            reverse("beneficiaries:import_upload"), {"file": handle, **({"dry_run": "on"} if dry_run else {})}
        )


def test_hostile_files_through_the_upload_page_end_with_a_message_and_the_worker_survives(
    workers, officer_bandung, tmp_path
):
    worker = workers()
    main_pid, pool = worker.process.pid, worker.pool
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": officer_bandung.username, "password": PASSWORD})
    figures = []
    problems = []
    folder = tmp_path / "files"
    folder.mkdir()
    for case in hostile.HOSTILE:
        path = case.write(folder)
        started = time.monotonic()
        response = upload(client, path, dry_run=True)
        if case.outcome == "refused":
            # The form says no at once: nothing reaches the worker, no job is made.
            page = response.content.decode()
            if response.status_code != 200 or not re.search(case.expect, page) or ImportJob.objects.exists():
                problems.append(f"{case.name}: not refused by the form ({response.status_code})")
            figures.append((case.name, path.stat().st_size, time.monotonic() - started, "refused", "", 0, 0))
            continue
        job_id = int(response.url.rstrip("/").split("/")[-1])
        job = wait_for_end(job_id, JOB_DEADLINE_SECONDS)
        elapsed = time.monotonic() - started
        memory = _status(pool[0])
        message = " ".join(job.messages)
        figures.append((case.name, path.stat().st_size, elapsed, job.status, message, memory["VmRSS"], memory["VmHWM"]))
        if not job.finished:
            problems.append(f"{case.name}: still {job.status} after {JOB_DEADLINE_SECONDS} s")
        elif job.status != case.outcome:
            problems.append(f"{case.name}: {job.status} ({message}), expected {case.outcome}")
        elif case.outcome == "failed" and not re.search(case.expect, message):
            problems.append(f"{case.name}: message {message!r} does not match {case.expect!r}")
        # The status page shows the outcome and stops polling.
        status_page = client.get(reverse("beneficiaries:import_progress", args=[job_id])).content.decode()
        if "hx-get" in status_page:
            problems.append(f"{case.name}: the status page still polls")
        ImportJob.objects.filter(pk=job_id).delete()

    print(f"\n{'file':<22} {'size':>9} {'seconds':>8} {'status':<8} {'RSS MB':>7} {'peak MB':>8}  message")
    for name, size, seconds, status, message, rss, peak in figures:
        print(f"{name:<22} {size / 1_048_576:>8.2f}M {seconds:>8.2f} {status:<8} {rss:>7} {peak:>8}  {message[:90]}")
    assert not problems, "\n".join(problems)
    # The same worker, the same pool process, never near the memory limit.
    assert worker.process.poll() is None
    assert worker.process.pid == main_pid and worker.pool == pool, worker.log.read_text()[-3000:]
    for pid in (main_pid, *pool):
        assert _status(pid)["VmHWM"] < RSS_LIMIT_MB, (pid, _status(pid))
    # The pool process runs under its address-space ceiling (a MemoryError, not the OOM killer).
    limits = Path(f"/proc/{pool[0]}/limits").read_text()
    ceiling = django_settings.WORKER_MEMORY_LIMIT_MB * 1024 * 1024
    assert re.search(rf"Max address space\s+{ceiling}\s", limits), limits


# --- A worker killed in the middle of an import ---------------------------------------------------


def write_register(path: Path, households: int, *, issued: str = "0299") -> Path:
    """Valid members of Kota Bandung: four per household, unique NIK and No. KK (per issue month)."""
    from regions.models import Level, Region

    villages = list(
        Region.objects.filter(code__startswith="32.73.", level=Level.VILLAGE).values_list("code", flat=True)
    )
    rng = random.Random(issued)
    serials: dict[str, int] = {}
    serial_start = 0 if issued == "0299" else 5_000
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for household in range(households):
            village = rng.choice(villages)
            district = village.replace(".", "")[:6]
            no_kk = f"{district}{household // 9999 + 1:02d}{issued}{household % 9999 + 1:04d}"
            for position, relationship in enumerate(["kepala keluarga", "istri", "anak", "anak"]):
                sex = "P" if position == 1 else "L"
                birth = datetime.date(1960 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 29))
                prefix = f"{district}{birth.day + (40 if sex == 'P' else 0):02d}{birth:%m%y}"
                serials[prefix] = serials.get(prefix, serial_start) + 1
                nik = f"{prefix}{serials[prefix]:04d}"
                writer.writerow(
                    [no_kk, nik, f"Warga {household} {position}", sex, birth.isoformat(), relationship, village]
                    + ["Jl. Uji", "001", "002", "Y", "3", "PKH", "N", "N", "SMA", "Buruh", "0812345678"]
                )
    return path


def test_a_worker_killed_mid_import_ends_the_job_by_itself_all_or_nothing(workers, officer_bandung, tmp_path):
    households = 6_000
    path = write_register(tmp_path / "register.csv", households)
    client = Client()
    client.force_login(officer_bandung)

    # 1. The pool process dies (SIGKILL, as the kernel's OOM killer does) while reading.
    worker = workers()
    main_pid = worker.process.pid
    victim = worker.pool[0]
    job_id = int(upload(client, path, dry_run=False).url.rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 60
    while ImportJob.objects.get(pk=job_id).rows_done == 0:
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.05)
    os.kill(victim, signal.SIGKILL)
    # Celery puts the task back; a new pool process runs the job again, whole.
    job = wait_for_end(job_id, 120)
    assert job.status == ImportJob.Status.DONE, job.messages
    assert job.attempts == 2
    assert Household.objects.count() == households and Member.objects.count() == 4 * households
    assert worker.process.pid == main_pid and worker.pool != [victim]

    # 2. The whole worker is killed during the next import; a worker that starts later finishes it.
    other = write_register(tmp_path / "register-2.csv", households, issued="0399")
    job_id = int(upload(client, other, dry_run=False).url.rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 60
    while ImportJob.objects.get(pk=job_id).rows_done == 0:
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.05)
    for pid in (*worker.pool, worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    worker.process.wait()
    time.sleep(1)  # PostgreSQL notices the lost connection and frees the job's lock
    assert Household.objects.count() == households  # nothing of the second file half-written
    progress = client.get(reverse("beneficiaries:import_progress", args=[job_id])).content.decode()
    assert "Impor dimulai lagi secara otomatis" in progress and "hx-get" in progress
    workers()
    job = wait_for_end(job_id, 120)
    assert job.status == ImportJob.Status.DONE, job.messages
    assert job.attempts == 2
    assert Household.objects.count() == 2 * households and Member.objects.count() == 8 * households
