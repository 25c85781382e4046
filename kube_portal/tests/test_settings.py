import pytest
from django.core.exceptions import ImproperlyConfigured

from kube_portal.env import env_bool, env_database, env_int, env_redis_url

# Servers for settings loaded in a subprocess that never connects (and must not start the
# embedded ones when the test run itself uses them).
NOWHERE_DATABASE = "postgres://postgres@127.0.0.1:1/kube_portal"
NOWHERE_REDIS = "redis://127.0.0.1:1/0"


def test_bool_reader_accepts_common_words(monkeypatch):
    monkeypatch.setenv("X_FLAG", "off")
    assert env_bool("X_FLAG", default=True) is False
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", default=False) is True


def test_bad_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", default=True)
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "sixty")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        env_int("DATABASE_CONN_MAX_AGE", default=60)
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/kube")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL")
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env_redis_url("REDIS_URL")


def test_database_url_is_parsed_with_every_option(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://kube:s%40cret@db.example:6432/kube_portal")
    database = env_database("DATABASE_URL")
    assert {k: database[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "kube_portal",
        "USER": "kube",
        "PASSWORD": "s@cret",
        "HOST": "db.example",
    }
    assert int(database["PORT"]) == 6432
    # libpq options in the query string reach psycopg (they used to be dropped).
    monkeypatch.setenv("DATABASE_URL", "postgres://kube@db.example/kube_portal?sslmode=require&connect_timeout=5")
    assert env_database("DATABASE_URL")["OPTIONS"] == {"sslmode": "require", "connect_timeout": 5}
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@/kube?host=/var/run/postgresql")
    database = env_database("DATABASE_URL")
    assert database["HOST"] == "" and database["OPTIONS"] == {"host": "/var/run/postgresql"}
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example:5432/")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        env_database("DATABASE_URL")


def test_the_options_reach_the_connection():
    """The real settings module, in a process of its own, with a URL full of options."""
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kube_portal.settings'; django.setup();"
        "from django.db import connection; p = connection.get_connection_params();"
        "print(p['sslmode'], p['connect_timeout'], p['host'], p['dbname'])"
    )
    env = {
        **__import__("os").environ,
        "DATABASE_URL": "postgres://kube@/kube_portal?host=/run/pg&sslmode=require&connect_timeout=5",
        "REDIS_URL": NOWHERE_REDIS,
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.stdout.split() == ["require", "5", "/run/pg", "kube_portal"], result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_the_embedded_servers(missing):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": NOWHERE_DATABASE, "REDIS_URL": NOWHERE_REDIS}
    del env[missing]
    env |= {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "a-long-production-secret-key-0123456789-abcdefghijklmnop"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kube_portal.settings'; django.setup()",
        ],
        env={**__import__("os").environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    import os
    import subprocess
    import sys

    # The test run itself sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests; production does not.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-long-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "kube.example.go.id",
        # Production needs its servers named (the check connects to neither).
        "DATABASE_URL": NOWHERE_DATABASE,
        "REDIS_URL": NOWHERE_REDIS,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_celery_workers_recycle_and_redis_answers_quickly_or_not_at_all():
    from django.conf import settings

    from kube_portal.celery import RECOVERY_TASKS, app

    # Results are ignored unless a task asks (the nightly's chord keeps its provinces' results in Redis).
    assert app.conf.task_ignore_result
    assert app.conf.result_backend in (None, settings.CELERY_BROKER_URL)
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert app.conf.worker_max_tasks_per_child and app.conf.worker_max_memory_per_child
    assert settings.WORKER_MEMORY_LIMIT_MB > 0
    assert settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"] <= 2
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    # Beat runs every recovery sweep every minute.
    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert all(scheduled[name] == 60.0 for name in RECOVERY_TASKS)


def _settings_in_a_process(environment: dict, expression: str) -> tuple[str, str]:
    """`expression` evaluated on the real settings in a process of their own (pytest reads no replica URL)."""
    import os
    import subprocess
    import sys

    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='kube_portal.settings'; django.setup();"
        f"from django.conf import settings; print(json.dumps({expression}))"
    )
    env = {**os.environ, "DATABASE_URL": NOWHERE_DATABASE, "REDIS_URL": NOWHERE_REDIS, **environment}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    return result.stdout.strip(), result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", None),
        (
            "postgres://kube:s%40cret@replica.example:5433/kube_portal",
            ["replica.example", 5433, "kube_portal", "s@cret", {"connect_timeout": 2}],
        ),
        (
            "postgres://kube@replica.example/kube_portal?connect_timeout=5&sslmode=require",
            ["replica.example", "", "kube_portal", "", {"connect_timeout": 5, "sslmode": "require"}],
        ),
    ],
)
def test_the_replica_url_defines_the_replica_alias(url, expected):
    import json

    out, err = _settings_in_a_process(
        {"DATABASE_REPLICA_URL": url},
        "(lambda r: r and [r[k] for k in ('HOST', 'PORT', 'NAME', 'PASSWORD', 'OPTIONS')])"
        "(settings.DATABASES.get('replica'))",
    )
    assert json.loads(out or "0") == expected, err


def test_the_replica_settings_are_read_and_checked():
    out, _ = _settings_in_a_process(
        {"DATABASE_REPLICA_MAX_LAG_SECONDS": "45", "DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS": "0"},
        "[settings.DATABASE_REPLICA_MAX_LAG_SECONDS, settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS]",
    )
    assert out == "[45, 0]"
    _, err = _settings_in_a_process({"DATABASE_REPLICA_URL": "mysql://root@replica/kube"}, "1")
    assert "DATABASE_REPLICA_URL='mysql://root@replica/kube' is not a PostgreSQL URL" in err
