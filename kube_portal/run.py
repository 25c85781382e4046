"""`make run`: the web server, a Celery worker and Celery beat, until Ctrl-C.

The database is migrated and seeded by the Makefile before this starts. On
exit the three processes are stopped, and so are the embedded PostgreSQL and
Redis when they were the ones in use.
"""

import os
import signal
import subprocess
import sys
import time

from kube_portal import embedded

HOST = os.environ.get("KUBE_HOST", "127.0.0.1")
PORT = os.environ.get("KUBE_PORT", "8000")

DEMO_LOGINS_FILE = embedded.LOCAL_DIR / "demo-logins.txt"


def main() -> int:
    python = sys.executable
    commands = {
        "web": [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [python, "-m", "celery", "-A", "kube_portal", "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [python, "-m", "celery", "-A", "kube_portal", "beat", "--loglevel=INFO"],
    }
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}  # noqa: S603
    print(f"\nKUBE Portal: http://{HOST}:{PORT}/", flush=True)
    if DEMO_LOGINS_FILE.exists():
        print(DEMO_LOGINS_FILE.read_text(), flush=True)
    print("Ctrl-C to stop.\n", flush=True)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} stopped with exit code {process.returncode}; stopping the others.", file=sys.stderr)
                exit_code = 1
                stopping = True
        time.sleep(0.5)

    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        if not os.environ.get("REDIS_URL"):
            embedded.redis_stop()
        if not os.environ.get("DATABASE_URL"):
            embedded.postgres_stop()
        print("Embedded servers stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
