from django import template

from mentors import selectors

register = template.Library()


@register.filter
def days_since(day):
    """{{ kube.clock_from|days_since }}: whole days from that day to today, None for never."""
    return selectors.days_since(day)
