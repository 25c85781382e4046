"""The nightly chain (DESIGN.md section 5): KUBE maturity → household readiness → dashboard figures.

Each step belongs to the app whose data it computes, and each app registers its step in its
`AppConfig.ready()`; the order is stated once, here. The steps run one after another. The run
that executes them (`graduation.recompute.recompute_graduation`: Celery beat at 01:00, the
admins' "Jalankan sekarang", `manage.py recompute_graduation`) holds the nightly lock, keeps
the ledger (`graduation.RecomputeRun`: each step's result as it finishes) and, when a run
was killed, resumes it: the steps it finished are not run again.
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
    #: Called with each part a step has committed (a province of the readiness step).
    on_progress: Callable[[str], None] | None = None

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


STEPS = Slots("nightly steps", order=ORDER)


def register(step: Step) -> None:
    STEPS.register(step.name, step)


def steps(*, province: str = "") -> list[Step]:
    """The registered steps a run over `province` ("" = the whole country) takes, in order."""
    return [step for step in STEPS if not (province and step.whole_country_only)]
