"""The one scoping mechanism: every read of scoped data goes through `visible_to(user)`.

A user's scope is a set of region-code prefixes (`None` = national) taken from
`User.scope_prefixes()`; a mentor's scope is their assigned KUBE, which each
model states in `mentor_filter`. Each scoped model names the field holding its
denormalised Kemendagri region code in `region_field`; that field carries a
`varchar_pattern_ops` index so that prefix filters use it.
"""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    #: Path to the denormalised region code of a row, e.g. "region_code" or "kube__region_code".
    region_field: str = ""

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
        """What a mentor sees of this model. Nothing, unless the model says otherwise."""
        return models.Q(pk__in=[])


def region_prefix_q(field: str, prefixes) -> models.Q:
    condition = models.Q(pk__in=[])
    for prefix in prefixes:
        condition |= models.Q(**{f"{field}__startswith": prefix})
    return condition
