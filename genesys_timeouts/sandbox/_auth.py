"""OAuth client-credentials tokens, the per-token rate limit, and faults."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from typing import Any

from ._errors import ApiError
from ._state import Fault, OrgState, Token

__all__ = [
    "RATE_WINDOW_SECONDS",
    "authenticate",
    "issue_token",
    "rate_headers",
    "take_fault",
]

RATE_WINDOW_SECONDS = 60
# Stands in for "no limit" in inin-ratelimit-allowed, which clients parse as an int.
_UNLIMITED = 2_147_483_647


def issue_token(
    state: OrgState, username: str | None, password: str | None, grant_type: str | None
) -> dict[str, Any]:
    """POST /oauth/token for the client-credentials grant.

    Refusals use the Genesys error body like every other error, so a client
    that reads ``code`` sees ``bad.credentials`` for a wrong id or secret.
    """
    if username is None or password is None:
        raise ApiError(
            401,
            "Client authentication with HTTP Basic is required.",
            code="authentication.required",
        )
    if not (
        secrets.compare_digest(username, state.client_id)
        and secrets.compare_digest(password, state.client_secret)
    ):
        raise ApiError(401, "Invalid login credentials.", code="bad.credentials")
    if grant_type != "client_credentials":
        msg = f"Grant type {grant_type!r} is not supported; use client_credentials."
        raise ApiError(400, msg, code="bad.request", field="grant_type")
    token = secrets.token_urlsafe(32)
    state.tokens[token] = Token(expires_at=state.clock() + state.token_lifetime_seconds)

    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": state.token_lifetime_seconds,
    }


def authenticate(state: OrgState, authorization: str | None) -> Token:
    """The live token a request carries, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(
            401,
            "Authentication is required to access this resource.",
            code="authentication.required",
        )
    token = state.tokens.get(authorization[len("bearer ") :].strip())
    if token is None or token.expires_at <= state.clock():
        raise ApiError(401, "Invalid login credentials.", code="bad.credentials")

    return token


def rate_headers(state: OrgState, token: Token | None) -> dict[str, str]:
    """The ``inin-ratelimit-*`` headers for a response."""
    limit = state.rate_limit_per_minute
    if token is None:
        return {
            "inin-ratelimit-count": "0",
            "inin-ratelimit-allowed": str(limit if limit is not None else _UNLIMITED),
            "inin-ratelimit-reset": str(RATE_WINDOW_SECONDS),
        }
    reset = max(0, math.ceil(token.window_start + RATE_WINDOW_SECONDS - state.clock()))

    return {
        "inin-ratelimit-count": str(token.window_count),
        "inin-ratelimit-allowed": str(limit if limit is not None else _UNLIMITED),
        "inin-ratelimit-reset": str(reset),
    }


def consume(state: OrgState, token: Token) -> None:
    """Count a request against its token's minute; 429 once over the limit."""
    now = state.clock()
    if now - token.window_start >= RATE_WINDOW_SECONDS or token.window_count == 0:
        token.window_start = now
        token.window_count = 0
    token.window_count += 1
    limit = state.rate_limit_per_minute
    if limit is not None and token.window_count > limit:
        retry_after = max(1, math.ceil(token.window_start + RATE_WINDOW_SECONDS - now))
        msg = f"Rate limit exceeded the maximum. [{limit}] requests for [client.credentials.token.rate.per.minute]."
        raise ApiError(
            429,
            msg,
            code="too.many.requests",
            params={"limit": str(limit)},
            headers={"Retry-After": str(retry_after)},
        )


def take_fault(state: OrgState, method: str, path: str) -> ApiError | None:
    """The planned failure for this request, if one matches; it is used up."""
    for fault in state.faults:
        if fault.remaining > 0 and fault.matches(method, path):
            fault.remaining -= 1
            if fault.remaining == 0:
                state.faults.remove(fault)
            return _fault_error(fault)
    return None


def _fault_error(fault: Fault) -> ApiError:
    headers: Mapping[str, str] = {}
    if fault.retry_after is not None:
        headers = {"Retry-After": str(fault.retry_after)}
    elif fault.status == 429:
        headers = {"Retry-After": "1"}
    return ApiError(
        fault.status, f"Injected failure: HTTP {fault.status}.", headers=headers
    )
