"""Processes that tests start next to themselves (a Celery worker, gunicorn) on the test database."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_this_run() -> str:
    """A DATABASE_URL for the database this test run uses (a transactional test commits to it)."""
    settings = connection.settings_dict
    host = settings["HOST"] or settings.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        location = f"/{settings['NAME']}?host={quote(host)}"
    else:
        location = f"{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    credentials = quote(settings["USER"]) + (f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{location}"


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+) kB", text).group(1)) // 1024 for key in ("VmRSS", "VmHWM")}


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


class Worker:
    """`celery worker` on the test database, its Redis and its queue, stopped (and reaped) by the fixture."""

    def __init__(self, folder: Path, media: Path, *, name: str = "worker"):
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_of_this_run(),
            "MEDIA_ROOT": str(media),
            "CELERY_TASK_DEFAULT_QUEUE": django_settings.CELERY_TASK_DEFAULT_QUEUE,
            "DJANGO_SETTINGS_MODULE": "kube_portal.settings",
            # Production defaults otherwise: recycling by memory, the address-space ceiling.
            "CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000",
        }
        self.hostname = f"{name}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log = folder / f"{self.hostname.split('@')[0]}.log"
        self.process = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kube_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={self.hostname}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "worker did not start:\n" + self.log.read_text()[-3000:]
            time.sleep(0.2)
        return self

    @property
    def pool(self) -> list[int]:
        return _children(self.process.pid)

    def kill(self) -> None:
        """SIGKILL to the whole worker, its pool processes first (as a lost machine or the OOM killer)."""
        for pid in (*self.pool, self.process.pid):
            os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
