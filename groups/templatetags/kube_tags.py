from django import template

from groups.models import MaturityLevel, Status
from groups.money import format_rupiah

register = template.Library()

STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.DIUSULKAN: "info",
    Status.DIREKOMENDASIKAN: "primary",
    Status.DITETAPKAN: "primary",
    Status.AKTIF: "success",
    Status.NONAKTIF: "warning",
    Status.BUBAR: "dark",
    Status.DIKEMBALIKAN: "danger",
}
LEVEL_COLOURS = {MaturityLevel.TUMBUH: "secondary", MaturityLevel.BERKEMBANG: "info", MaturityLevel.MAJU: "success"}


@register.filter
def rupiah(value) -> str:
    return format_rupiah(value)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def level_colour(level: str) -> str:
    return LEVEL_COLOURS.get(level, "secondary")
