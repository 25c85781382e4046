"""The nightly chain (DESIGN.md section 5): KUBE maturity → household readiness → dashboard figures.

Each step belongs to the app whose data it computes, and each app registers its step in its
`AppConfig.ready()`; the order is stated once, here. The steps run one after another; a step
with parts (readiness: one part per province) has its parts run independently, in any order
and on any worker, before its own `run` totals them. The run that executes them
(`graduation.recompute`: one process for `manage.py recompute_graduation`, a Celery canvas
over any number of workers for beat at 01:00 and the admins' "Jalankan sekarang") keeps the
ledger (`graduation.RecomputeRun`: each part and step as it finishes) and, when a run was
killed, resumes it: the parts and steps it finished are not run again.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube_portal.hooks import Slots

#: The nightly steps in the order they run.
ORDER = ("maturity", "readiness", "dashboards")


@dataclass
class Night:
    """What a step is told about the run it is part of."""

    run_date: datetime.date
    #: A province code for a run over one province; "" for the whole country.
    province: str
    #: The ledger row of the run (a `graduation.RecomputeRun`).
    ledger: Any
    #: Who runs the step: a Celery worker's name, or host:pid of a run in one process (kept in the ledger).
    worker: str = ""

    @property
    def trigger(self) -> str:
        return f"graduation run #{self.ledger.pk}"


@dataclass(frozen=True)
class Step:
    name: str
    #: Runs the step and returns its figures for the ledger (JSON: codes and numbers).
    run: Callable[[Night], dict]
    #: Run only when the whole country is recomputed (the dashboards add up every province).
    whole_country_only: bool = False
    #: The names of the step's parts for this night (provinces); None: the step is one piece.
    parts: Callable[[Night], list[str]] | None = None
    #: Runs one part and returns its figures (committed with its entry in the ledger); `run` then totals them.
    run_part: Callable[[Night, str], dict] | None = None


STEPS = Slots("nightly steps", order=ORDER)


def register(step: Step) -> None:
    STEPS.register(step.name, step)


def steps(*, province: str = "") -> list[Step]:
    """The registered steps a run over `province` ("" = the whole country) takes, in order."""
    return [step for step in STEPS if not (province and step.whole_country_only)]
