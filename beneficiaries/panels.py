"""Panels of the household page that come from the apps above the register.

The household page shows the household's KUBE memberships and its graduation readiness,
which only the groups and graduation apps know. Each of them registers a panel (a function
`(request, household) -> HTML`) in its AppConfig.ready(); the page renders them in the
order stated here, without importing those apps (DESIGN.md section 5).
"""

from kube_portal.hooks import Slots

HOUSEHOLD_PANELS = Slots("panels of the household page", order=("kube_memberships", "readiness"))


def household_panels(request, household) -> list[str]:
    return [render(request, household) for render in HOUSEHOLD_PANELS]
