"""The schema's additions: the error answers (one shape, api.errors) and the two ways to authenticate."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "current": {},
    },
    "required": ["code", "message", "errors"],
}
COMMON = {
    "400": "Invalid input (`invalid`), with the field errors.",
    "401": "Not authenticated, or the token is revoked (`not_authenticated`).",
    "403": "The role may not do this (`permission_denied`).",
    "404": "Not found, or outside the caller's scope (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "406": "Not acceptable (`not_acceptable`).",
    "415": "Unsupported media type (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`); see Retry-After.",
}
WRITES = {"409": "The object changed since the client read it (`conflict`); `current` holds it now."}


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the Error component and the error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            answers = {**COMMON, **(WRITES if method != "get" else {})}
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token kube_…` (or `Bearer kube_…`): a device's or an integration account's token.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
