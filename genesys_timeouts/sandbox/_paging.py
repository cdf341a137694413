"""Page numbers, page sizes and the entity-listing envelope."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from ._errors import ApiError

__all__ = ["PageRequest", "listing", "page_request", "page_token"]


class PageRequest:
    """A validated page number and size."""

    def __init__(self, number: int, size: int) -> None:
        self.number = number
        self.size = size


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        msg = f"{name} must be an integer; {raw!r} is not."
        raise ApiError(400, msg, code="invalid.value", field=name) from None


def _decode_token(token: str) -> int:
    try:
        return int(
            base64.urlsafe_b64decode(token.encode()).decode().removeprefix("page:")
        )
    except ValueError:
        msg = "The nextPage/previousPage token is not valid."
        raise ApiError(400, msg, code="invalid.value") from None


def page_token(number: int) -> str:
    """The opaque cursor a ``nextPage``/``previousPage`` parameter carries."""
    return base64.urlsafe_b64encode(f"page:{number}".encode()).decode()


def page_request(
    query: Mapping[str, str], *, max_size: int, default: int = 25
) -> PageRequest:
    """Read ``pageSize``/``pageNumber`` (or a page token) and check limits."""
    size = _int_param(query, "pageSize", default)
    if not 1 <= size <= max_size:
        msg = f"pageSize must be between 1 and {max_size}; {size} is out of range."
        raise ApiError(400, msg, code="invalid.value", field="pageSize")
    number = _int_param(query, "pageNumber", 1)
    if query.get("nextPage"):
        number = _decode_token(query["nextPage"])
    elif query.get("previousPage"):
        number = _decode_token(query["previousPage"])
    if number < 1:
        msg = f"pageNumber must be 1 or more; {number} is not."
        raise ApiError(400, msg, code="invalid.value", field="pageNumber")

    return PageRequest(number, size)


def listing(
    entities: Sequence[Any],
    page: PageRequest,
    path: str,
    query: Mapping[str, str],
    render: Callable[[Any], Any] = lambda item: item,
) -> dict[str, Any]:
    """The entity listing for one page of ``entities``.

    ``nextUri`` is absent on the last page and ``previousUri`` on the first,
    as on the platform; each keeps the caller's other query parameters.
    """
    total = len(entities)
    count = math.ceil(total / page.size)
    start = (page.number - 1) * page.size
    kept = {
        k: v
        for k, v in query.items()
        if k not in ("pageNumber", "nextPage", "previousPage")
    }

    def uri(number: int) -> str:
        return (
            f"{path}?{urlencode({**kept, 'pageSize': page.size, 'pageNumber': number})}"
        )

    body: dict[str, Any] = {
        "entities": [render(item) for item in entities[start : start + page.size]],
        "pageSize": page.size,
        "pageNumber": page.number,
        "total": total,
        "pageCount": count,
        "firstUri": uri(1),
        "selfUri": uri(page.number),
        "lastUri": uri(max(count, 1)),
    }
    if page.number < count:
        body["nextUri"] = uri(page.number + 1)
    if page.number > 1:
        body["previousUri"] = uri(min(page.number - 1, max(count, 1)))

    return body
