"""Build write bodies from whole objects, and say what differs between two.

A PATCH of a data action replaces its whole ``config``, so a body built
from a partial copy would wipe the request and response templates. These
helpers start from the object exactly as the platform returned it, keep
every key (including ones the SDK's models do not know) and change only
the timeout.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["action_patch_body", "differences", "draft_patch_body", "timeout_of"]

#: Keys that legitimately change when only the timeout is written.
WRITE_NOISE = frozenset({"version", "config.timeoutSeconds"})


def timeout_of(raw: Mapping[str, Any]) -> int | None:
    """The ``config.timeoutSeconds`` of a raw action or draft, None when unset."""
    value: int | None = (raw.get("config") or {}).get("timeoutSeconds")
    return value


def _config_with_timeout(raw: Mapping[str, Any], seconds: int | None) -> dict[str, Any]:
    config = copy.deepcopy(dict(raw.get("config") or {}))
    if seconds is None:
        # The platform has no "clear" operation; a whole config without the
        # key is how an unset timeout is written back.
        config.pop("timeoutSeconds", None)
    else:
        config["timeoutSeconds"] = seconds

    return config


def action_patch_body(
    raw: Mapping[str, Any], seconds: int | None, version: int
) -> dict[str, Any]:
    """The ``UpdateActionInput`` body that changes only the timeout of ``raw``."""
    return {
        "name": raw["name"],
        "category": raw.get("category"),
        "config": _config_with_timeout(raw, seconds),
        "version": version,
    }


def draft_patch_body(
    raw_draft: Mapping[str, Any], seconds: int | None
) -> dict[str, Any]:
    """The ``UpdateDraftInput`` body that changes only the timeout of a draft."""
    body: dict[str, Any] = {
        "name": raw_draft["name"],
        "category": raw_draft.get("category"),
        "config": _config_with_timeout(raw_draft, seconds),
        "version": raw_draft["version"],
    }
    for key in ("contract", "secure"):
        if key in raw_draft:
            body[key] = copy.deepcopy(raw_draft[key])

    return body


def _walk(before: Any, after: Any, path: str) -> Iterator[str]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in before or key not in after:
                yield child
            else:
                yield from _walk(before[key], after[key], child)
    elif before != after:
        yield path


def differences(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    keys: tuple[str, ...] = ("name", "category", "integrationId", "secure", "config"),
    ignore: frozenset[str] = WRITE_NOISE,
) -> tuple[str, ...]:
    """Dotted paths under ``keys`` whose values differ, minus ``ignore``."""
    found: list[str] = []
    for key in keys:
        if key not in before and key not in after:
            continue
        found.extend(
            path
            for path in _walk({key: before.get(key)}, {key: after.get(key)}, "")
            if path not in ignore
        )

    return tuple(found)
