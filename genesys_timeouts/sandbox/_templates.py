"""The real exported actions the sandbox seeds from (see data/SOURCES.md)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any, NamedTuple

__all__ = ["Template", "templates"]

_EXPORT_SUFFIX = re.compile(r"\s*-\s*Exported \d{4}-\d{2}-\d{2} @ \d{1,2}:\d{2}$")
_VERSION_SUFFIX = re.compile(r"\s+v\d+$")


class Template(NamedTuple):
    """An exported action reduced to what a seeded action borrows."""

    name: str
    integration_type: str
    config: dict[str, Any]
    contract: dict[str, Any]


@functools.lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    """Every exported action in ``data/``, in file-name order."""
    folder = resources.files(__package__).joinpath("data")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        exported = json.loads(entry.read_text(encoding="utf-8"))
        name = _VERSION_SUFFIX.sub("", _EXPORT_SUFFIX.sub("", exported["name"]))
        name = name.removeprefix("Limitless - ").removeprefix("Example - ")
        found.append(
            Template(
                name,
                exported["integrationType"],
                exported["config"],
                exported["contract"],
            )
        )

    return tuple(found)
