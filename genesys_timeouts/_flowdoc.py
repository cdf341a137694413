"""Read Architect flow documents: durations and data-action calls. Pure, no I/O.

Flow documents are only partly documented, so the walker is generic: it
visits every object at any depth, matches data-action calls on their
``actionId`` and reports what it cannot read instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

__all__ = [
    "SEPARATOR",
    "Call",
    "Duration",
    "find_calls",
    "format_seconds",
    "parse_duration",
    "parse_timeout",
]

#: Joins the parts of a location; an angle quote reads well and never
#: occurs in Architect's own names for containers.
SEPARATOR = " \u203a "

_NUMBER = r"(\d+(?:\.\d+)?)"

#: Architect's own literal: every part present, milliseconds in ``F``.
_ARCHITECT = re.compile(r"P(\d+)D(\d+)H(\d+)M(\d+)S(?:(\d+)F)?", re.IGNORECASE)

#: ISO-8601 durations with fixed-length parts only; years and months have no
#: fixed length, so they stay expressions rather than being guessed.
_ISO = re.compile(
    rf"P(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?",
    re.IGNORECASE,
)

_MAKE_DURATION = re.compile(
    r"MakeDuration\s*\(\s*"
    + r"\s*,\s*".join([_NUMBER] * 4)
    + rf"\s*(?:,\s*{_NUMBER}\s*)?\)",
    re.IGNORECASE,
)

#: Seconds in each unit, for the ISO parts and the Archy YAML literal map.
_UNIT_SECONDS = {
    "weeks": Decimal(604_800),
    "days": Decimal(86_400),
    "hours": Decimal(3_600),
    "minutes": Decimal(60),
    "seconds": Decimal(1),
    "milliseconds": Decimal("0.001"),
}

#: Keys an Architect expression object or Archy YAML value uses for a
#: value that is not a literal: the text is reported as it is.
_EXPRESSION_KEYS = ("exp", "expression", "var", "variable", "ref")


def format_seconds(seconds: float) -> str:
    """``seconds`` for people: ``5 s``, ``1.5 s``, ``90 s``."""
    return f"{seconds:g} s" if seconds != int(seconds) else f"{int(seconds)} s"


@attrs.frozen(kw_only=True)
class Duration:
    """A flow's timeout value: known ``seconds``, or an expression to show as text.

    ``seconds`` is None when the value is an expression (a variable, a
    function of variables, or text that is not a duration); ``text`` then
    holds it exactly as the flow wrote it.
    """

    text: str
    seconds: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(0.0))
    )

    @property
    def is_expression(self) -> bool:
        """Whether the value is only known when the flow runs."""
        return self.seconds is None

    @property
    def expression(self) -> str | None:
        """The expression text, or None when the seconds are known."""
        return self.text if self.seconds is None else None

    def __str__(self) -> str:
        return self.text if self.seconds is None else format_seconds(self.seconds)


def _total(parts: Mapping[str, str | None]) -> float:
    total = sum(
        (
            Decimal(value) * _UNIT_SECONDS[unit]
            for unit, value in parts.items()
            if value
        ),
        Decimal(0),
    )
    return float(total)


def parse_duration(text: str) -> Duration:
    """Parse a duration as flows write it; anything not a literal is an expression.

    Understands ``P0D0H1M0S0F`` (Architect's literal, ``F`` is milliseconds),
    ``MakeDuration(d, h, m, s[, ms])`` with literal numbers and ISO-8601
    such as ``PT1M30S``. A variable, a ``MakeDuration`` of variables or any
    other text comes back with ``seconds`` None and the text kept.
    """
    stripped = text.strip()
    units = ("days", "hours", "minutes", "seconds", "milliseconds")

    if match := _ARCHITECT.fullmatch(stripped):
        return Duration(
            text=stripped, seconds=_total(dict(zip(units, match.groups(), strict=True)))
        )
    if match := _MAKE_DURATION.fullmatch(stripped):
        return Duration(
            text=stripped, seconds=_total(dict(zip(units, match.groups(), strict=True)))
        )
    if (match := _ISO.fullmatch(stripped)) and _is_complete_iso(stripped, match):
        iso_units = ("weeks", "days", "hours", "minutes", "seconds")
        return Duration(
            text=stripped,
            seconds=_total(dict(zip(iso_units, match.groups(), strict=True))),
        )

    return Duration(text=stripped)


def _is_complete_iso(text: str, match: re.Match[str]) -> bool:
    # "P" and "PT" match the pattern with no parts at all; they are not durations.
    return any(match.groups()) and not text.upper().endswith("T")


def _from_unit_map(value: Mapping[str, Any]) -> Duration | None:
    """An Archy YAML literal such as ``{minutes: 1}``, or None when it is not one."""
    if not value or not all(key in _UNIT_SECONDS for key in value):
        return None
    numbers: dict[str, str] = {}
    for unit, amount in value.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            return None
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            return None
        if not number.is_finite() or number < 0:
            return None
        numbers[unit] = str(number)
    text = "{" + ", ".join(f"{unit}: {amount}" for unit, amount in value.items()) + "}"

    return Duration(text=text, seconds=_total(numbers))


def _unreadable(value: object) -> Duration:
    try:
        text = json.dumps(value, sort_keys=True, default=repr)
    except ValueError:  # a circular structure cannot come from JSON, but be safe
        text = repr(value)

    return Duration(text=text)


def parse_timeout(value: object) -> Duration | None:
    """The timeout of a call step in any shape flows store it; None when unset.

    Accepts text, Architect's expression object (``{"text": ..., "config":
    ...}``), and Archy YAML values (``{lit: {minutes: 1}}``, ``{exp: ...}``).
    An empty value or ``noValue`` means unset. A shape not recognised is an
    expression holding its JSON text, never a guess.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return parse_duration(value) if value.strip() else None
    if not isinstance(value, Mapping):
        # A bare number has no unit, so its meaning would be a guess.
        return _unreadable(value)

    return _timeout_from_mapping(value)


def _timeout_from_mapping(value: Mapping[str, Any]) -> Duration | None:
    if value.get("noValue") is True or "emp" in value:
        return None
    if isinstance(value.get("text"), str):
        return parse_timeout(value["text"])
    if "lit" in value:
        literal = value["lit"]
        if isinstance(literal, Mapping) and "text" not in literal:
            return _from_unit_map(literal) or _unreadable(value)
        return parse_timeout(literal)
    for key in _EXPRESSION_KEYS:
        if isinstance(value.get(key), str):
            return parse_duration(value[key])
    if isinstance(value.get("config"), Mapping):
        return parse_timeout(value["config"])

    return _from_unit_map(value) or _unreadable(value)


@attrs.frozen(kw_only=True)
class Call:
    """One step of a flow document that calls a data action.

    ``path`` names the containers above the step, outermost first, e.g.
    ``("Task 'Main'", "Decision 'Known caller?'")``. ``problem`` says why
    the step cannot be read with confidence; it is None for a clean step.
    """

    action_id: str | None
    action_name: str
    step_type: str
    step_id: str | None
    step_name: str
    path: tuple[str, ...]
    use_suggested_timeout: bool | None
    timeout: Duration | None
    problem: str | None = None

    @property
    def overrides(self) -> bool:
        """Whether the step ignores the action's timeout and uses its own."""
        return self.use_suggested_timeout is False

    @property
    def location(self) -> str:
        """The path and the step name as one line, e.g. ``Task 'Main' > 'Lookup'``.

        The parts are joined with a single right-pointing angle quotation mark.
        """
        return SEPARATOR.join((*self.path, f"'{self.step_name}'"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _label(node: Mapping[str, Any]) -> str | None:
    """How a container names itself in a path, e.g. ``Task 'Main'``."""
    name = _text(node.get("name"))
    if name is None:
        return None
    kind = _text(node.get("__type")) or ""
    if kind.endswith("Action") and kind != "Action":
        kind = kind.removesuffix("Action")

    return f"{kind} '{name}'" if kind else f"'{name}'"


def _is_call_type(kind: str) -> bool:
    """``DataAction``, ``DataActionSecure``, ``CallSecureDataAction`` and the like.

    Only "call" and "secure" may surround "data action": a plain substring
    test would also take ``SetParticipantDataAction`` for a call.
    """
    core = kind.lower().replace("call", "").replace("secure", "")
    return core == "dataaction"


def _looks_like_call(node: Mapping[str, Any]) -> bool:
    if _is_call_type(_text(node.get("__type")) or ""):
        return True

    return "actionId" in node and ("useSuggestedTimeout" in node or "timeout" in node)


def _problem(node: Mapping[str, Any], timeout: Duration | None) -> str | None:
    if not isinstance(node.get("actionId"), str):
        return "the step names no action id"
    use = node.get("useSuggestedTimeout")
    if "useSuggestedTimeout" not in node:
        return "useSuggestedTimeout is missing"
    if not isinstance(use, bool):
        return (
            f"useSuggestedTimeout is {json.dumps(use, default=repr)}, not true or false"
        )
    if use is False and timeout is None:
        return "the step sets its own timeout but the timeout is empty"

    return None


def _call(node: Mapping[str, Any], path: tuple[str, ...]) -> Call:
    timeout = parse_timeout(node.get("timeout"))
    use = node.get("useSuggestedTimeout")

    return Call(
        action_id=_text(node.get("actionId")),
        action_name=_text(node.get("actionName")) or "",
        step_type=_text(node.get("__type")) or "",
        step_id=_text(node.get("id")),
        step_name=_text(node.get("name")) or "",
        path=path,
        use_suggested_timeout=use if isinstance(use, bool) else None,
        timeout=timeout,
        problem=_problem(node, timeout),
    )


def _extend(path: tuple[str, ...], label: str) -> tuple[str, ...]:
    # A menu choice and the task it opens share a name; say it once, typed.
    if path and label.endswith(f" {path[-1]}"):
        return (*path[:-1], label)

    return (*path, label)


def _walk(document: object) -> Iterator[tuple[Mapping[str, Any], tuple[str, ...]]]:
    """Every object in the document, in document order, with its container path."""
    # An explicit stack: flow documents can nest deeply and must not hit
    # Python's recursion limit.
    stack: list[tuple[object, tuple[str, ...]]] = [(document, ())]
    root = True
    while stack:
        node, path = stack.pop()
        if isinstance(node, Mapping):
            yield node, path
            label = None if root else _label(node)
            inner = _extend(path, label) if label else path
            stack.extend((child, inner) for child in reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend((child, path) for child in reversed(node))
        root = False


def find_calls(document: object, action_ids: Collection[str]) -> list[Call]:
    """Every step in ``document`` that calls one of ``action_ids``, in document order.

    Steps that look like data-action calls but have no readable action id
    are returned too, with ``action_id`` None and a ``problem``, because
    they might call one of the actions.
    """
    wanted = frozenset(action_ids)
    calls: list[Call] = []
    for node, path in _walk(document):
        if not _looks_like_call(node):
            continue
        action_id = node.get("actionId")
        if isinstance(action_id, str) and action_id not in wanted:
            continue
        calls.append(_call(node, path))

    return calls
