"""What a handler receives, and small readers for query parameters."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import ApiError
from ._state import OrgState

__all__ = ["Call", "Handler", "Result", "flag", "one_of"]

#: (status, JSON body or None for an empty response)
Result = tuple[int, Any]


@dataclasses.dataclass(frozen=True)
class Call:
    """One routed API request."""

    path: str
    query: Mapping[str, str]
    body: Any
    args: Mapping[str, str]


Handler = Callable[[OrgState, Call], Result]


def flag(query: Mapping[str, str], name: str, default: bool = False) -> bool:
    """A ``true``/``false`` query parameter; anything else is a 400."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    msg = f"{name} must be true or false; {raw!r} is not."
    raise ApiError(400, msg, code="invalid.value", field=name)


def one_of(
    query: Mapping[str, str],
    name: str,
    allowed: tuple[str, ...],
    default: str | None = None,
) -> str | None:
    """A query parameter limited to ``allowed`` (case-insensitive)."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    for value in allowed:
        if value.lower() == raw.lower():
            return value
    msg = f"{name} must be one of {', '.join(allowed)}; {raw!r} is not."
    raise ApiError(400, msg, code="invalid.value", field=name)
