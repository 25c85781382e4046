"""The region search of the region list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kube_portal.filtering import ListFilterSet


class RegionFilter(ListFilterSet):
    """Filters of `Region.objects.visible_to(user)`: a name (contained) or a code (prefix, on its index)."""

    q = django_filters.CharFilter(label=_("Cari nama atau kode wilayah"), method="search")

    def search(self, regions, name, value):
        value = value.strip()
        return regions.filter(Q(name__icontains=value) | Q(code__startswith=value))
