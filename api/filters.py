"""The pages' FilterSets, where the API's list needs a different default.

The pages' visit list is the review queue (submitted visits only, unless asked); a device
syncing a KUBE's visits wants all of them. The filters themselves are the page's.
"""

import django_filters

from groups.models import Kube
from mentors.filters import ALL_VISITS, VisitFilter


class FieldVisitFilter(VisitFilter):
    kube = django_filters.ModelChoiceFilter(queryset=Kube.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kube"].queryset = Kube.objects.visible_to(self.user)

    @property
    def status_shown(self) -> str:
        return self.data.get("status") or ALL_VISITS

    def finish(self, visits):
        return visits
