"""The one scoping mechanism: every read of scoped data goes through `visible_to(user)`.

Every user has one `Scope` (`user.scope`, DESIGN.md section 2): a set of Kemendagri
region-code prefixes (`None` = the whole country), or, for a mentor, the KUBE assigned to
them now. Whatever asks "may this user see region X" asks the scope: querysets through
`Scope.q(field)`, raw SQL through `Scope.sql(column)`, Python through `Scope.contains(code)`.

Each scoped model names the field holding its denormalised region code in `region_field`;
that field carries a `varchar_pattern_ops` index so that the prefix filters use it.

A mentor's registers are the KUBE assigned to them and what belongs to those KUBE: a model
states the path from its rows to their KUBE in `kube_field` ("" for the Kube model itself,
"kube" for a business report...). A model without `kube_field` shows a mentor nothing
unless it overrides `mentor_filter`. Which KUBE are assigned to a mentor is known only to the
mentors app, above this one: it provides `mentor_kube_ids` in its `AppConfig.ready()`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

from django.db import models

from kube_portal.hooks import Hook

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

_M = TypeVar("_M", bound=models.Model)

#: `(user id) -> QuerySet` of the ids of the KUBE assigned to that mentor now (a subquery).
mentor_kube_ids = Hook("the KUBE assigned to a mentor")


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Scope:
    """What one user may read: region-code prefixes, and for a mentor the KUBE assigned to them.

    `prefixes` is None for the whole country and empty for nothing. A mentor's prefixes are
    their work area (reference data such as regions is read by region); their registers
    are read through `kube_ids`.
    """

    prefixes: tuple[str, ...] | None
    #: The user id of a mentor, whose registers are the KUBE assigned to them.
    mentor_user_id: int | None = None

    @property
    def national(self) -> bool:
        return self.prefixes is None

    @property
    def empty(self) -> bool:
        return self.prefixes == ()

    @property
    def is_mentor(self) -> bool:
        return self.mentor_user_id is not None

    @property
    def region(self) -> str:
        """The one region prefix of the scope; "" for the country or several regions."""
        return self.prefixes[0] if self.prefixes is not None and len(self.prefixes) == 1 else ""

    def contains(self, region_code: str) -> bool:
        """Whether a region (or anything placed in it) lies in the scope."""
        return self.prefixes is None or region_code.startswith(self.prefixes)

    def q(self, field: str) -> models.Q:
        """The scope as a filter on a region-code field (prefix matches, served by its pattern-ops index)."""
        if self.prefixes is None:
            return models.Q()
        condition = models.Q(pk__in=[])
        for prefix in self.prefixes:
            condition |= models.Q(**{f"{field}__startswith": prefix})
        return condition

    def sql(self, column: str) -> tuple[str, list[str]]:
        """The scope as a SQL condition on `column` and its parameters, for raw SQL."""
        if self.prefixes is None:
            return "TRUE", []
        if not self.prefixes:
            return "FALSE", []
        condition = " OR ".join(f"{column} LIKE %s" for _prefix in self.prefixes)
        return f"({condition})", [_like_prefix(prefix) for prefix in self.prefixes]

    @property
    def kube_ids(self) -> "models.QuerySet[Any, int]":
        """The ids of the KUBE assigned to the mentor now, as a subquery (none for other users)."""
        if self.mentor_user_id is None:
            raise ValueError("only a mentor's scope is a set of KUBE")
        return cast("models.QuerySet[Any, int]", mentor_kube_ids(self.mentor_user_id))


NOTHING = Scope(prefixes=())


class ScopedUser(Protocol):
    """What scoping reads of a user (accounts.User), named here so that this module imports no app."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def scope(self) -> Scope: ...


class ScopedQuerySet(models.QuerySet[_M]):
    #: Path to the denormalised region code of a row, e.g. "region_code" or "kube__region_code".
    region_field: str = ""
    #: Path from a row to its KUBE for the mentor scope; None = not reachable through a KUBE.
    kube_field: str | None = None

    def visible_to(self, user: "ScopedUser | AnonymousUser | None") -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user.scope
        if scope.is_mentor:
            return self.filter(self.mentor_filter(user))
        if scope.empty:
            return self.none()
        return self.filter(scope.q(self.region_field))

    def mentor_filter(self, user: ScopedUser) -> models.Q:
        """What a mentor sees of this model: the rows of the KUBE assigned to them now."""
        if self.kube_field is None:
            return models.Q(pk__in=[])
        lookup = f"{self.kube_field}__in" if self.kube_field else "pk__in"
        return models.Q(**{lookup: user.scope.kube_ids})


class RegionCodeMixin:
    """Keeps a model's denormalised `region_code` equal to the code of its region foreign key.

    `region_code` is what `visible_to` filters by prefix; the model names the foreign key
    it copies in `region_code_source` (e.g. "village" for a household). Put the mixin
    before `models.Model` in the bases.
    """

    region_code_source: str

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.region_code = getattr(self, f"{self.region_code_source}_id")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.region_code_source in update_fields:
            kwargs["update_fields"] = {*update_fields, "region_code"}
        super().save(*args, **kwargs)  # type: ignore[misc]  # a mixin of models.Model
