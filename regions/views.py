from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from regions.filters import RegionFilter
from regions.models import Level, Region

CHILDREN_PER_PAGE = 50


@login_required
def region_list(request):
    """The top of the user's scope: all provinces for national users, else their own regions."""
    user = request.user
    regions = Region.objects.visible_to(user).current()
    scope = user.scope
    top = regions.filter(level=Level.PROVINCE) if scope.national else regions.filter(code__in=scope.prefixes)
    filters = RegionFilter(request.GET or None, queryset=regions, request=request)
    query = filters.value("q", "")
    results = filters.qs.select_related("parent__parent").order_by("level", "code")[:50] if query else None
    return render(
        request, "regions/region_list.html", {"regions": top.order_by("code"), "query": query, "results": results}
    )


@login_required
def region_detail(request, code):
    region = get_object_or_404(Region.objects.visible_to(request.user).select_related("parent"), code=code)
    ancestors = []
    parent = region.parent
    visible = Region.objects.visible_to(request.user)
    while parent is not None:
        ancestors.append(parent)
        parent = parent.parent
    ancestors.reverse()
    # Breadcrumb links only to ancestors the user may open.
    openable = set(visible.filter(code__in=[a.code for a in ancestors]).values_list("code", flat=True))
    children = Paginator(region.children.current().order_by("code"), CHILDREN_PER_PAGE).get_page(
        request.GET.get("page")
    )
    descendants = {
        level.label: Region.objects.current().filter(code__startswith=region.code + ".", level=level).count()
        for level in Level
        if level > region.level
    }
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "ancestors": [(a, a.code in openable) for a in ancestors],
            "children": children,
            "descendants": descendants,
        },
    )
