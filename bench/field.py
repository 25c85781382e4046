"""The field app on a cheap phone and a slow link: Chromium at 360 x 740 with touch, slow 3G (400 ms
round trip, 400 kbit/s each way) and the CPU slowed 4 x, against gunicorn with DEBUG off.

    .venv/bin/python bench/field.py [--database kube_fieldbench] [--runs 1]

Works in a scratch database of its own on the server of DATABASE_URL (a mentor of Kota Bandung
with five KUBE of five households). It collects the static files, starts gunicorn (production
settings: DEBUG off, WhiteNoise's compressed files) and puts a reverse proxy in front that counts
every request and byte, the service worker's included. Each run starts from a new browser
profile (cold cache):

1. the mentor's first load: the home page until its `load` event, then everything the service
   worker fetches in the background to work offline (static files, the mentor's pages and data);
2. the visit form opened with a cold cache: usable (its script ready) within 3 s;
3. a visit with two 12 MP phone photos (3,000 x 4,000, 8 MB of noisy pixels each, a worst case
   for JPEG): shrunk on the phone when chosen, then saved (GPS, outbox) and sent: stored on the
   server within 20 s of the tap (the time from choosing the photos is printed too).

Exits non-zero when a budget is missed. Needs /usr/bin/chromium.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kube_portal.settings")

from bench.load import free_port, redis_url, scratch_database_url, start_server, stop_server  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--database", default="kube_fieldbench", help="the scratch database")
PARSER.add_argument("--runs", type=int, default=1, help="cold runs (median reported)")
PARSER.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

PASSWORD = "Bench-Field-2026!"  # noqa: S105 - a login of the scratch database only
USERNAME = "pendamping.bench"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
CPU_SLOWDOWN = 4
FORM_BUDGET_S = 3.0
VISIT_BUDGET_S = 20.0
VILLAGE = {"latitude": -6.9175, "longitude": 107.6191, "accuracy": 9}


def fill() -> list[int]:
    """The bench mentor and their five KUBE (made once); the KUBE ids."""
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role, User
    from groups.tests.factories import KubeFactory, complete_members, ensure_reference_data
    from mentors.models import Mentor
    from mentors.tests.factories import AssignmentFactory, MentorFactory
    from regions.loading import ensure_directorate_areas, load_regions
    from regions.models import Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code="32.73").exists():
        load_regions(only_prefixes=["32.73"])
    ensure_directorate_areas()
    ensure_reference_data()
    mentor = Mentor.objects.filter(user__username=USERNAME).first()
    if mentor is None:
        today = timezone.localdate()
        user = User.objects.create_user(USERNAME, password=PASSWORD, role=Role.PENDAMPING, region_id="32.73")
        mentor = MentorFactory(user=user, name="Pendamping Bench")
        for index in range(5):
            kube = KubeFactory(
                name=f"KUBE Bench {index + 1}",
                status="aktif",
                founded_on=today - datetime.timedelta(days=400),
                activated_on=today - datetime.timedelta(days=380),
            )
            complete_members(kube, 5)
            AssignmentFactory(mentor=mentor, kube=kube, started_on=today - datetime.timedelta(days=300))
    return list(mentor.assignments.order_by("kube__name").values_list("kube_id", flat=True))


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "field-bench-" + "x" * 40,
        # localhost: a secure context for the service worker and the secure cookies over plain HTTP.
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(ROOT / ".local" / "fieldbench-static"),
    }


def slow_phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        geolocation=VILLAGE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page


def log_in(context, base: str) -> None:
    """Sign in without loading the login page in the browser, so its cache stays cold."""
    import re

    login = context.request.get(f"{base}/akun/masuk/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text()).group(1)
    response = context.request.post(
        f"{base}/akun/masuk/",
        form={"csrfmiddlewaretoken": token, "username": USERNAME, "password": PASSWORD},
        headers={"Referer": f"{base}/akun/masuk/"},
    )
    assert response.ok and "/akun/masuk/" not in response.url, "the bench mentor could not log in"


def traffic(relay, since: int) -> tuple[int, int]:
    replies = relay.replies[since:]
    return len(replies), sum(size for _path, size in replies)


def one_run(browser, relay, kubes: list[int], photos: list[str]) -> dict:
    from django.db import connection

    from mentors.models import FieldVisit

    base = relay.url
    figures = {}
    context, page = slow_phone(browser)
    try:
        # 2. The visit form, cold cache.
        log_in(context, base)
        mark = len(relay.replies)
        started = time.monotonic()
        page.goto(f"{base}/pendamping/kunjungan/catat/{kubes[0]}/", wait_until="commit")
        page.wait_for_selector("#visit-form[data-ready='1']", state="attached")
        figures["form_usable_s"] = time.monotonic() - started
        page.wait_for_load_state("load")
        figures["form_requests"], figures["form_bytes"] = traffic(relay, mark)
        page.screenshot(path=str(ROOT / "bench" / "out" / "field-form-slow3g.png"), full_page=False)
    finally:
        context.close()

    context, page = slow_phone(browser)
    try:
        # 1. The mentor's first load: the home, then the service worker's background work.
        log_in(context, base)
        mark = len(relay.replies)
        started = time.monotonic()
        page.goto(f"{base}/pendamping/kunjungan/", wait_until="load")
        figures["home_load_s"] = time.monotonic() - started
        figures["home_requests"], figures["home_bytes"] = traffic(relay, mark)
        wanted = [f"{base}/pendamping/kunjungan/catat/{pk}/" for pk in kubes]
        script = "caches.open('kube-pages').then(c => c.keys()).then(rs => rs.map(r => r.url))"
        while not set(wanted) <= set(page.evaluate(script)):
            if time.monotonic() - started > 600:
                raise SystemExit("the service worker did not keep the forms within 600 s")
            time.sleep(0.5)
        page.wait_for_timeout(2000)  # the last pages of the list
        figures["offline_ready_s"] = time.monotonic() - started
        figures["first_load_requests"], figures["first_load_bytes"] = traffic(relay, mark)

        # 3. A visit with two 12 MP photos, from choosing them to stored on the server.
        page.goto(f"{base}/pendamping/kunjungan/catat/{kubes[1]}/")
        page.wait_for_selector("#visit-form[data-ready='1']", state="attached")
        page.locator("input[name=members]").first.check()
        page.check("input[name=topics][value=pembukuan]")
        page.fill("#id_notes", "Bench: dua foto 12 MP.")
        client_uuid = page.input_value("input[name=client_uuid]")
        started = time.monotonic()
        page.set_input_files("#id_photos", photos)
        page.locator("[data-testid=photo-thumb]").nth(1).wait_for(state="attached")
        figures["photos_shrunk_s"] = time.monotonic() - started
        figures["photos_bytes"] = int(page.get_attribute("#photo-total", "data-bytes"))
        tapped = time.monotonic()
        page.locator("#visit-submit").tap()
        while not FieldVisit.objects.filter(client_uuid=client_uuid).exists():
            if time.monotonic() - started > 120:
                raise SystemExit("the visit did not reach the server within 120 s")
            time.sleep(0.1)
        figures["visit_total_s"] = time.monotonic() - started
        figures["visit_sent_s"] = time.monotonic() - tapped
        connection.close()
    finally:
        context.close()
    return figures


def main() -> int:
    options = PARSER.parse_args()
    database_url = scratch_database_url(options.database)
    os.environ["DATABASE_URL"] = database_url
    kubes = fill()
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, CHROMIUM_ARGS
    from mentors.tests.factories import phone_photo
    from mentors.tests.relay import Relay

    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    port = free_port()
    env = environment(database_url) | {"GUNICORN_CMD_ARGS": "--access-logfile /dev/null"}
    server = start_server(env, port, options.workers)
    runs = []
    try:
        with tempfile.TemporaryDirectory() as folder, Relay(f"http://127.0.0.1:{port}", keep_alive=True) as relay:
            relay.url = relay.url.replace("127.0.0.1", "localhost")
            photos = [phone_photo(Path(folder) / f"IMG_{n}.jpg", n) for n in (1, 2)]
            sizes = [os.path.getsize(p) for p in photos]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(options.runs):
                    runs.append(one_run(browser, relay, kubes, photos))
                browser.close()
    finally:
        stop_server(server)

    def median(key):
        return statistics.median(run[key] for run in runs)

    load = os.getloadavg()
    print(
        f"field app, slow 3G (400 ms, 400 kbit/s), CPU x{CPU_SLOWDOWN}, 360x740, gunicorn DEBUG off; "
        f"{len(runs)} cold run(s), medians; machine load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        f"  visit form usable (cold cache): {median('form_usable_s'):.2f} s (budget {FORM_BUDGET_S:.0f} s); "
        f"{median('form_requests'):.0f} requests, {median('form_bytes') / 1024:.0f} KB to its load event"
    )
    print(
        f"  mentor's first load, home to its load event: {median('home_load_s'):.2f} s, "
        f"{median('home_requests'):.0f} requests, {median('home_bytes') / 1024:.0f} KB"
    )
    print(
        f"  ... with the service worker's offline copy: {median('first_load_requests'):.0f} requests, "
        f"{median('first_load_bytes') / 1024:.0f} KB, ready offline after {median('offline_ready_s'):.1f} s"
    )
    print(
        f"  two 12 MP photos ({sizes[0] / 1e6:.1f} + {sizes[1] / 1e6:.1f} MB): shrunk on the phone to "
        f"{median('photos_bytes') / 1024:.0f} KB in {median('photos_shrunk_s'):.1f} s; the visit sent (tap to "
        f"stored) in {median('visit_sent_s'):.1f} s (budget {VISIT_BUDGET_S:.0f} s), "
        f"{median('visit_total_s'):.1f} s from choosing the photos"
    )
    ok = median("form_usable_s") <= FORM_BUDGET_S and median("visit_sent_s") <= VISIT_BUDGET_S
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
