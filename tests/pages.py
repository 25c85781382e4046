"""What a browser would send back from a page's forms, and requests made at the same time.

`client_for(user)` is a browser logged in as that user.

`form_data` reads the bound fields of the forms a view rendered (their current values,
hidden fields and formset management forms included), so a test posts exactly what the
page offered and changes only what a person would change.

`in_parallel` runs calls on their own threads (so on their own database connections,
which needs a transactional test) released together by a barrier; `holding` keeps a write
uncommitted in another connection until a request of this thread waits on it, which makes
the check-then-write race of a unique value happen every time, not now and then.
"""

import datetime
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal

from django import forms
from django.db import connection, connections, transaction
from django.test import Client


def client_for(user) -> Client:
    """A browser logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def form_data(*forms_and_formsets) -> dict:
    data: dict = {}
    for item in forms_and_formsets:
        if isinstance(item, forms.BaseFormSet):
            data.update(form_data(item.management_form, *item.forms))
            continue
        for bound in item:
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif getattr(bound.field.widget, "allow_multiple_selected", False) or isinstance(value, (list, tuple)):
                data[bound.html_name] = [_text(v) for v in value or []]
            else:
                data[bound.html_name] = _text(value)
    return data


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(getattr(value, "pk", value))


def in_parallel(*calls: Callable[[], object]) -> list:
    """Start every call at the same moment, each on its own thread and connection; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=60)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


@contextmanager
def holding(write: Callable[[], None], *, timeout: float = 30):
    """Do `write` in another connection's open transaction; commit it once this connection waits on it.

    Inside the block, a request that checks "is the value free?" sees it free (the write is
    not committed) and then has to wait on the unique index; the write commits, and the
    request meets the unique violation that a real race produces.
    """
    written, waited, failure = threading.Event(), threading.Event(), []
    main_pid = connection.cursor().connection.info.backend_pid

    def hold():
        try:
            with transaction.atomic():
                write()
                written.set()
                with connection.cursor() as cursor:
                    deadline = time.monotonic() + timeout
                    while time.monotonic() < deadline:
                        cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))", [main_pid])
                        if cursor.fetchone()[0]:
                            waited.set()
                            break
                        time.sleep(0.01)  # polling for the other request to block, not a fixed delay
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            failure.append(error)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    written.wait(timeout)
    if failure:
        raise failure[0]
    try:
        yield
    finally:
        thread.join(timeout)
    if failure:
        raise failure[0]
    assert waited.is_set(), "the request never waited on the uncommitted write: the race was not exercised"
