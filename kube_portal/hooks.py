"""How a lower layer learns of a higher one without importing it (DESIGN.md section 5).

Imports point down the layers: kube_portal, regions, accounts ← beneficiaries ← groups ←
mentors ← graduation ← dashboards. Where a lower module needs something only a higher app
knows (the KUBE assigned to a mentor, the households in a KUBE, the nightly steps), it
declares a `Hook` (one function) or `Slots` (named entries in an order it states) and calls
it; the higher app fills it in its `AppConfig.ready()`. `tests/test_layers.py` holds every
module to this.

Hand-written rather than Django signals: a signal broadcasts to any number of receivers and
returns their answers as a list, while a hook has exactly one provider whose answer is used
(and a missing provider must fail loudly, not silently answer nothing).
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One function declared by a lower layer and provided by a higher app."""

    def __init__(self, name: str):
        self.name = name
        self._provider: Callable[..., Any] | None = None

    def provide(self, provider: Callable[..., Any]) -> None:
        if self._provider is not None and self._provider is not provider:
            raise ImproperlyConfigured(f"{self.name}: provided twice ({self._provider} and {provider})")
        self._provider = provider

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._provider is None:
            raise ImproperlyConfigured(f"{self.name}: nothing provides it (is the app that does installed?)")
        return self._provider(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {self._provider!r}>"


class Slots:
    """Named entries filled by higher apps, given back in the order the declaring module states."""

    def __init__(self, name: str, *, order: tuple[str, ...]):
        self.name = name
        self.order = order
        self._entries: dict[str, Any] = {}

    def register(self, name: str, entry: Any) -> None:
        if name not in self.order:
            raise ImproperlyConfigured(f"{self.name}: {name!r} has no place in the order {self.order}")
        if name in self._entries and self._entries[name] != entry:
            raise ImproperlyConfigured(f"{self.name}: {name!r} registered twice")
        self._entries[name] = entry

    def items(self) -> Iterator[tuple[str, Any]]:
        """(name, entry) of the registered entries, in the stated order."""
        return ((name, self._entries[name]) for name in self.order if name in self._entries)

    def __iter__(self) -> Iterator[Any]:
        return (entry for _name, entry in self.items())

    def __repr__(self) -> str:
        return f"<Slots {self.name}: {list(self._entries)}>"
