"""The one scoping mechanism: every read of scoped data goes through `visible_to(user)`.

A user's scope is a set of region-code prefixes (`None` = national) taken from
`User.scope_prefixes()`. Each scoped model names the field holding its
denormalised Kemendagri region code in `region_field`; that field carries a
`varchar_pattern_ops` index so that prefix filters use it.

A mentor's scope is the KUBE assigned to them now (`mentors.scope.assigned_kube_ids`)
and what belongs to those KUBE: a model states the path from its rows to their
KUBE in `kube_field` ("" for the Kube model itself, "kube" for a business report,
"memberships__kube" for a household...). A model without `kube_field` shows a
mentor nothing unless it overrides `mentor_filter`.
"""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    #: Path to the denormalised region code of a row, e.g. "region_code" or "kube__region_code".
    region_field: str = ""
    #: Path from a row to its KUBE for the mentor scope; None = not reachable through a KUBE.
    kube_field: str | None = None

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_mentor:
            return self.filter(self.mentor_filter(user))
        prefixes = user.scope_prefixes()
        if prefixes is None:
            return self
        if not prefixes:
            return self.none()
        return self.filter(region_prefix_q(self.region_field, prefixes))

    def mentor_filter(self, user) -> models.Q:
        """What a mentor sees of this model: the rows of the KUBE assigned to them now."""
        if self.kube_field is None:
            return models.Q(pk__in=[])
        from mentors.scope import assigned_kube_ids

        lookup = f"{self.kube_field}__in" if self.kube_field else "pk__in"
        return models.Q(**{lookup: assigned_kube_ids(user)})


def region_prefix_q(field: str, prefixes) -> models.Q:
    condition = models.Q(pk__in=[])
    for prefix in prefixes:
        condition |= models.Q(**{f"{field}__startswith": prefix})
    return condition


class RegionCodeMixin:
    """Keeps a model's denormalised `region_code` equal to the code of its region foreign key.

    `region_code` is what `visible_to` filters by prefix; the model names the foreign key
    it copies in `region_code_source` (e.g. "village" for a household). Put the mixin
    before `models.Model` in the bases.
    """

    region_code_source: str

    def save(self, *args, **kwargs):
        self.region_code = getattr(self, f"{self.region_code_source}_id")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.region_code_source in update_fields:
            kwargs["update_fields"] = {*update_fields, "region_code"}
        super().save(*args, **kwargs)
