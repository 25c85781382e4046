from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify

from dashboards import selectors
from dashboards.exporting import table_xlsx
from dashboards.filters import DashboardFilter
from groups.models import Kube
from kube_portal.db_router import reads_from_replica
from kube_portal.paging import ListPaginator
from kube_portal.spreadsheets import XLSX_CONTENT_TYPE


def _national_or_home(request):
    home = selectors.home_region_code(request.user)
    if home is not None and not request.GET.get("wilayah"):
        return None, redirect("dashboards:region", region_code=home)
    return selectors.national_area(request.user, request.GET.get("wilayah", "")), None


def _filter(request, area) -> DashboardFilter:
    kubes = selectors.kube_list(area, request.user) if area.has_kube_list else Kube.objects.none()
    return DashboardFilter(request.GET or None, queryset=kubes, request=request)


def _render(request, area, export_base: str, wilayah: str = ""):
    dashboard_filter = _filter(request, area)
    filters = dashboard_filter.figures()
    board = selectors.dashboard(area, filters, request.user)
    kube_page = None
    if area.has_kube_list:
        kube_page = ListPaginator(dashboard_filter.qs, selectors.KUBE_PER_PAGE).get_page(request.GET.get("page"))
        kube_page.table = selectors.kube_table(kube_page.object_list)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "area": area,
            "form": dashboard_filter.form,
            "filters": filters,
            "query_string": filters.query_string(),
            "export_base": export_base,
            "wilayah": wilayah,
            "kube_page": kube_page,
            "charts": board.charts(),
        },
    )


def _export(request, area):
    dashboard_filter = _filter(request, area)
    filters = dashboard_filter.figures()
    slug = request.GET.get("tabel", "")
    if slug == "kube" and area.has_kube_list:
        table = selectors.kube_table(dashboard_filter.qs)
    else:
        board = selectors.dashboard(area, filters, request.user)
        table = board.table(slug) if slug else board.tables()[0]
    if table is None:
        raise Http404
    content = table_xlsx(table, area_name=area.name, filters_text=filters.describe(), data_as_of=selectors.data_as_of())
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = f"dasbor-{slugify(area.name)}-{table.slug}-{filters.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@reads_from_replica
def national(request):
    area, response = _national_or_home(request)
    if response is not None:
        return response
    wilayah = area.directorate.code if area.directorate else ""
    export_base = (
        reverse("dashboards:national_export") + "?" + (urlencode({"wilayah": wilayah}) + "&" if wilayah else "")
    )
    return _render(request, area, export_base, wilayah)


@login_required
@reads_from_replica
def national_export(request):
    area, response = _national_or_home(request)
    if response is not None:
        raise Http404
    return _export(request, area)


@login_required
@reads_from_replica
def region(request, region_code):
    area = selectors.region_area(request.user, region_code)
    return _render(request, area, reverse("dashboards:region_export", args=[region_code]) + "?")


@login_required
@reads_from_replica
def region_export(request, region_code):
    return _export(request, selectors.region_area(request.user, region_code))
