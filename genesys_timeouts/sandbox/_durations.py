"""Architect duration expressions as flow documents store them.

Literals use Architect's own form ``P<d>D<h>H<m>M<s>S<ms>F`` (not ISO 8601);
expressions such as ``MakeDuration(0,0,0,5)`` and variable references occur
too, and a reference cannot be resolved without running the flow.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

__all__ = ["TimeoutSpec", "architect_duration", "timeout_expression"]

TimeoutKind = Literal["literal", "make", "variable", "empty"]

#: The variable that ``variable`` timeouts refer to, declared in the document.
TIMEOUT_VARIABLE = "Flow.DataActionTimeout"


@dataclasses.dataclass(frozen=True)
class TimeoutSpec:
    """How a flow step writes its timeout, and the seconds it means."""

    kind: TimeoutKind
    seconds: float | None = None


def architect_duration(seconds: float) -> str:
    """``seconds`` in Architect's literal form, e.g. ``P0D0H1M0S0F``."""
    millis_total = round(seconds * 1000)
    days, rest = divmod(millis_total, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)

    return f"P{days}D{hours}H{minutes}M{secs}S{millis}F"


def _make_duration_text(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    minutes, secs = divmod(whole, 60)
    if millis:
        return f"MakeDuration(0,0,{minutes},{secs},{millis})"

    return f"MakeDuration(0,0,{minutes},{secs})"


def _int_literal(value: int, pos: int) -> dict[str, Any]:
    return {"lit": {"pos": pos, "text": str(value), "type": "int"}}


def _expression(config: dict[str, Any], text: str, mode: int) -> dict[str, Any]:
    return {
        "config": config,
        "text": text,
        "type": "dur",
        "uiMetaData": {"mode": mode},
        "metaData": {},
        "version": 2,
    }


def timeout_expression(spec: TimeoutSpec, variable_id: str) -> dict[str, Any]:
    """The ``timeout`` object of a data-action step, shaped as Architect exports it."""
    if spec.kind == "literal":
        text = architect_duration(spec.seconds or 0)
        return _expression({"lit": {"pos": 1, "text": text, "type": "dur"}}, text, 1)
    if spec.kind == "make":
        text = _make_duration_text(spec.seconds or 0)
        args = [int(a) for a in text[len("MakeDuration(") : -1].split(",")]
        operands = [_int_literal(a, 14 + 2 * i) for i, a in enumerate(args)]
        config = {
            "MakeDuration": {
                "pos": 1,
                "text": text,
                "operands": operands,
                "type": "dur",
            }
        }
        return _expression(config, text, 0)
    if spec.kind == "variable":
        ref = {"pos": 1, "text": TIMEOUT_VARIABLE, "type": "dur", "val": variable_id}
        expression = _expression({"ref": ref}, TIMEOUT_VARIABLE, 0)
        expression["metaData"] = {
            "references": [
                {
                    "id": variable_id,
                    "type": "dur",
                    "isSysRef": False,
                    "name": TIMEOUT_VARIABLE,
                }
            ]
        }
        return expression

    return _expression({"emp": {"pos": 1, "text": "", "type": "dur"}}, "", 3)
