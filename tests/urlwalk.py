"""The URL names of the project, found by walking its URL conf: the tests that must cover every
view (scope, downloads, every page) start from here, so a view added later is not forgotten."""

from django.urls import URLPattern, URLResolver, get_resolver

#: Django's own admin is for national administrators only, scopes nothing by design and is
#: styled by Django.
ADMIN = frozenset({"admin"})


def url_patterns(ignored=ADMIN) -> dict[str, bool]:
    """Every URL name outside the `ignored` namespaces: whether it takes a parameter.

    A pattern without a name is listed as `<unnamed pattern>`: it cannot be reversed, and a
    test that needs to open it says so.
    """
    found: dict[str, bool] = {}

    def walk(patterns, namespace: str, inherited: bool):
        for entry in patterns:
            takes_parameter = inherited or entry.pattern.regex.groups > 0
            if isinstance(entry, URLResolver):
                if entry.namespace in ignored:
                    continue
                walk(entry.url_patterns, ":".join(filter(None, [namespace, entry.namespace])), takes_parameter)
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {entry.pattern}>"
                found[":".join(filter(None, [namespace, name]))] = takes_parameter

    walk(get_resolver().url_patterns, "", False)
    return found
