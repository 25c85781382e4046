"""The production configuration in the repository: gunicorn.conf.py and the nginx snippet.

The nginx test runs the snippet for real in front of gunicorn (CI installs nginx; locally it
is skipped without it unless KUBE_REQUIRE_NGINX is set): a slow upload straight to gunicorn
ends as a worker timeout, through nginx it is answered normally.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import database_url_of_this_run

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = ROOT / "deploy" / "nginx" / "kube_portal_proxy.conf"
SITE = ROOT / "deploy" / "nginx" / "kube_portal.conf"


def test_gunicorn_configuration_loads_with_its_timeouts():
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "gunicorn.conf.py", "kube_portal.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
    assert config["worker_class"] == "sync"
    assert config["timeout"] == "120"
    # nginx waits longer than gunicorn, so gunicorn's limit is the one that acts.
    assert re.search(r"proxy_read_timeout 150s;", SNIPPET.read_text())


def test_readme_shows_the_nginx_files_as_they_are():
    readme = (ROOT / "README.md").read_text()
    assert SNIPPET.read_text().strip() in readme
    assert SITE.read_text().strip() in readme


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)


def slow_login_post(port: int, size: int, *, bytes_per_second: int = 50_000) -> bytes:
    """A login form of `size` bytes sent like a phone on a weak link; the status line of the answer."""
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/akun/masuk/")  # noqa: S310 - local
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read()).group(1).decode()
    tail = f"&username=nobody&csrfmiddlewaretoken={token}".encode()
    body = b"password=" + b"x" * (size - len(tail) - 9) + tail
    head = (
        f"POST /akun/masuk/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken={cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    chunk = bytes_per_second // 10
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(head.encode())
        try:
            for start in range(0, len(body), chunk):
                connection.sendall(body[start : start + chunk])
                time.sleep(0.1)
        except OSError:
            pass  # the server gave up on us
        connection.settimeout(30)
        try:
            return connection.recv(200).split(b"\r\n")[0]
        except OSError:
            return b""


@pytest.mark.django_db(transaction=True)
def test_nginx_buffers_a_slow_upload_so_it_never_ends_as_a_worker_timeout(tmp_path, regions):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if os.environ.get("KUBE_REQUIRE_NGINX"):
            pytest.fail("nginx is missing and KUBE_REQUIRE_NGINX is set")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    app_port, proxy_port = _free_port(), _free_port()
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
        worker_processes 1;
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/nginx-error.log;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
            upstream kube_portal {{ server 127.0.0.1:{app_port}; }}
            server {{
                listen 127.0.0.1:{proxy_port};
                include {SNIPPET};
            }}
        }}
        """
    )
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_run(),
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_TIMEOUT": "3",  # shortened, so that 300 KB at 50 KB/s (6 s) outlasts it
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    gunicorn = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "kube_portal.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    proxy = None
    try:
        _wait_for(f"http://127.0.0.1:{app_port}/healthz", gunicorn, log)
        proxy = subprocess.Popen(  # noqa: S603 - the nginx binary, fixed arguments
            [nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "nginx.out").open("w"),
        )
        _wait_for(f"http://127.0.0.1:{proxy_port}/healthz", proxy, tmp_path / "nginx.out")

        # Straight to gunicorn, the worker waits for the body until it is killed.
        direct = slow_login_post(app_port, 300_000)
        assert b"200" not in direct
        assert "WORKER TIMEOUT" in log.read_text()
        # Through nginx the same upload is answered normally (the login page: wrong password).
        assert slow_login_post(proxy_port, 300_000) == b"HTTP/1.1 200 OK"
    finally:
        for process in (proxy, gunicorn):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
