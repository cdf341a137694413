"""Platform errors as the sandbox raises and renders them.

Every failure inside a handler is an :class:`ApiError`; the app turns it into
the Genesys ``ErrorBody`` JSON so clients see the same shape as in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_CODES", "ApiError", "error_body"]

#: The code Genesys uses for each status when nothing more specific applies.
DEFAULT_CODES: Mapping[int, str] = {
    400: "bad.request",
    401: "authentication.required",
    403: "missing.permissions",
    404: "not.found",
    405: "method.not.allowed",
    409: "conflict",
    413: "request.entity.too.large",
    429: "too.many.requests",
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "request.timeout",
}


class ApiError(Exception):
    """A request the platform refuses, with the status and Genesys code."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        params: Mapping[str, str] | None = None,
        field: str | None = None,
        entity_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or DEFAULT_CODES.get(status, "bad.request")
        self.params = dict(params or {})
        self.field = field
        self.entity_id = entity_id
        self.headers = dict(headers or {})


def error_body(error: ApiError, correlation_id: str) -> dict[str, Any]:
    """The Genesys ``ErrorBody`` for ``error``, keyed as the SDK model is."""
    details: list[dict[str, str]] = []
    if error.field is not None:
        details.append({"errorCode": error.code, "fieldName": error.field})
    body: dict[str, Any] = {
        "message": error.message,
        "code": error.code,
        "status": error.status,
        "messageWithParams": error.message,
        "messageParams": error.params,
        "contextId": correlation_id,
        "details": details,
        "errors": [],
    }
    if error.entity_id is not None:
        body["entityId"] = error.entity_id

    return body
