"""Every request carries its audit context: who (resolved at write time), which page or API endpoint."""

from audit.context import RequestUser, Source, add_to_context, write_context


def source_of(path: str) -> Source:
    if path.startswith("/api/"):
        return Source.API
    if path.startswith("/admin/"):
        return Source.ADMIN
    return Source.PAGE


class AuditContextMiddleware:
    """pghistory's context for the request: user, path, method, then the URL name once it is resolved.

    In place of pghistory's own middleware, which reads `request.user` when the request starts (a
    user query on every request, and the wrong user when authentication happens in the view, as
    with Django REST framework's tokens): see `audit.context.RequestUser`. After
    AuthenticationMiddleware in settings.MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with write_context(source_of(request.path), user=RequestUser(request), url=request.path, method=request.method):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match is not None:
            add_to_context(view=request.resolver_match.view_name)
