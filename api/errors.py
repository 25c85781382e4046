"""One JSON shape for every error the API answers:

    {"code": "invalid", "message": "<in the request's language>", "errors": {"field": ["...", ...]}}

Codes: 400 `invalid`, 401 `not_authenticated`, 403 `permission_denied`, 404 `not_found`,
405 `method_not_allowed`, 406 `not_acceptable`, 409 `conflict` (with `current`: the stored
object), 415 `unsupported_media_type`, 429 `throttled`. The services' own errors (Django's
ValidationError, PermissionDenied, a DoesNotExist for an object outside the scope) come out the
same way, so that no bad input ends in a 500.
"""

from django.core import exceptions as django_exceptions
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from kube_portal.concurrency import StaleEdit

NON_FIELD = "non_field_errors"


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, (list, tuple)):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def _field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened to {"field" or "members.0.nik": [messages]}."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # A list field's errors are keyed by item index: they belong to the field itself.
            name = prefix if isinstance(key, int) and prefix else (f"{prefix}.{key}" if prefix else str(key))
            if key in (NON_FIELD, "__all__") and not prefix:
                name = NON_FIELD
            for field, messages in _field_errors(value, name).items():
                found.setdefault(field, []).extend(messages)
    elif isinstance(detail, (list, tuple)) and any(isinstance(item, (dict, list)) for item in detail):
        for index, item in enumerate(detail):
            if item:
                for field, messages in _field_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    found.setdefault(field, []).extend(messages)
    else:
        found[prefix or NON_FIELD] = _messages(detail)
    return found


def error_body(code: str, message: str, errors: dict | None = None, **more) -> dict:
    return {"code": code, "message": message, "errors": errors or {}, **more}


def _invalid(detail, view) -> Response:
    errors = _field_errors(detail)
    renamed = getattr(view, "error_fields", {})
    errors = {renamed.get(field, field): messages for field, messages in errors.items()}
    return Response(error_body("invalid", _("Data tidak valid."), errors), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    view = context.get("view")
    if isinstance(exc, StaleEdit):
        set_rollback()
        current = view.get_serializer(exc.current).data if view is not None else None
        differences = {d.label: [d.theirs] for d in exc.differences}
        return Response(
            error_body("conflict", exc.messages[0], differences, current=current), status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, django_exceptions.ValidationError):
        set_rollback()
        return _invalid(as_serializer_error(exc), view)
    if isinstance(exc, (Http404, django_exceptions.ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, django_exceptions.PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        return _invalid(exc.detail, view)
    code = {
        exceptions.ParseError: "invalid",
        exceptions.AuthenticationFailed: "not_authenticated",
        exceptions.NotAuthenticated: "not_authenticated",
        exceptions.PermissionDenied: "permission_denied",
        exceptions.NotFound: "not_found",
        exceptions.MethodNotAllowed: "method_not_allowed",
        exceptions.NotAcceptable: "not_acceptable",
        exceptions.UnsupportedMediaType: "unsupported_media_type",
        exceptions.Throttled: "throttled",
    }.get(type(exc), exc.default_code)
    message = " ".join(_messages(exc.detail)) if not isinstance(exc.detail, dict) else str(exc.default_detail)
    if isinstance(exc, exceptions.PermissionDenied) and not exc.args:
        message = _("Peran Anda tidak dapat melakukan ini.")
    if isinstance(exc, exceptions.NotFound):
        message = _("Data tidak ditemukan.")
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def not_found(request, *args, **kwargs):
    """Any /api/ address that names no endpoint: the JSON 404, not the HTML page."""
    return JsonResponse(error_body("not_found", _("Alamat API tidak dikenal.")), status=404)
