"""Decide, without touching the platform, which timeouts a bulk change sets.

A :class:`Plan` is a reviewable document: every action given to
:func:`plan_timeouts` ends up either as a :class:`PlannedChange` or as a
:class:`PlannedSkip` with its reason. Plans print readably and survive a
JSON round trip, so one can be reviewed, stored and applied later.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ._actions import check_id, validate_timeout
from ._errors import InvalidInputError, InvalidTimeoutError
from ._models import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    ActionKind,
    DataAction,
)

__all__ = [
    "PLAN_FORMAT",
    "Plan",
    "PlannedChange",
    "PlannedSkip",
    "Selection",
    "SkipReason",
    "plan_timeouts",
]

T = TypeVar("T")

#: The ``format`` key every plan document carries, so a foreign file is refused.
PLAN_FORMAT = "genesys-timeouts/plan"
PLAN_FORMAT_VERSION = 1


def _timeout_value(
    _instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS
    ):
        msg = f"{attribute.name} must be None or an integer from 1 to 60, not {value!r}"
        raise InvalidInputError(msg)


def _required_timeout(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        msg = f"{attribute.name} must be an integer from 1 to 60, not None"
        raise InvalidInputError(msg)
    _timeout_value(instance, attribute, value)


def _positive_version(
    _instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be a positive integer, not {value!r}"
        raise InvalidInputError(msg)


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        msg = f"{attribute.name} must be text, not {value!r}"
        raise InvalidInputError(msg)


def _nonempty_text(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    _text(instance, attribute, value)
    if not str(value).strip():
        msg = f"{attribute.name} must not be empty"
        raise InvalidInputError(msg)


def _texts(
    _instance: object, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
) -> None:
    if not all(isinstance(item, str) for item in value):
        msg = f"{attribute.name} must hold only text"
        raise InvalidInputError(msg)


def _editable_id(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    _nonempty_text(instance, attribute, value)
    check_id(value)
    kind = ActionKind.classify(str(value))
    if kind in _SKIP_FOR_KIND:
        msg = (
            f"{attribute.name} {value!r} is a {kind.value} action, whose timeout "
            "cannot be changed"
        )
        raise InvalidInputError(msg)


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _seconds(value: int | None) -> str:
    return f"unset ({DEFAULT_TIMEOUT_SECONDS} s)" if value is None else f"{value} s"


def _id_set(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})

    return frozenset(value)


@attrs.frozen(kw_only=True)
class Selection:
    """Which actions a plan considers; every criterion given must hold.

    ``timeout_below`` compares the effective timeout (60 s when unset), and
    ``name_contains`` ignores case. An empty selection selects everything.
    """

    ids: frozenset[str] | None = attrs.field(default=None, converter=_id_set)
    name_contains: str | None = None
    timeout_equals: int | None = attrs.field(default=None, validator=_timeout_value)
    timeout_below: int | None = attrs.field(default=None)
    timeout_unset: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )

    @timeout_below.validator
    def _check_below(self, _attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not MIN_TIMEOUT_SECONDS < value <= MAX_TIMEOUT_SECONDS + 1
        ):
            msg = (
                f"timeout_below must be None or an integer from 2 to 61, not {value!r}"
            )
            raise InvalidInputError(msg)

    def __attrs_post_init__(self) -> None:
        if self.ids is not None and not all(isinstance(i, str) and i for i in self.ids):
            msg = "ids must be non-empty action ids"
            raise InvalidInputError(msg)
        if self.name_contains is not None and not isinstance(self.name_contains, str):
            msg = f"name_contains must be text, not {self.name_contains!r}"
            raise InvalidInputError(msg)

    def matches(self, action: DataAction) -> bool:
        """Whether ``action`` is selected."""
        checks: tuple[Callable[[], bool], ...] = (
            lambda: self.ids is None or action.id in self.ids,
            lambda: (
                not self.name_contains
                or self.name_contains.casefold() in action.name.casefold()
            ),
            lambda: (
                self.timeout_equals is None
                or action.timeout_seconds == self.timeout_equals
            ),
            lambda: (
                self.timeout_below is None
                or action.effective_timeout_seconds < self.timeout_below
            ),
            lambda: not self.timeout_unset or action.timeout_seconds is None,
        )

        return all(check() for check in checks)

    def describe(self) -> str:
        """The selection in a few words."""
        parts = []
        if self.ids is not None:
            parts.append(f"{len(self.ids)} listed id(s)")
        if self.name_contains:
            parts.append(f"name contains {self.name_contains!r}")
        if self.timeout_equals is not None:
            parts.append(f"timeout is {self.timeout_equals} s")
        if self.timeout_below is not None:
            parts.append(f"effective timeout below {self.timeout_below} s")
        if self.timeout_unset:
            parts.append("timeout unset")

        return ", ".join(parts) or "every action"

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this selection."""
        return {
            "ids": None if self.ids is None else sorted(self.ids),
            "name_contains": self.name_contains,
            "timeout_equals": self.timeout_equals,
            "timeout_below": self.timeout_below,
            "timeout_unset": self.timeout_unset,
        }


class SkipReason(str, enum.Enum):
    """Why a plan leaves an action alone."""

    STATIC = "static"
    CUSTOM_AUTH = "custom-authentication"
    AT_TARGET = "already-at-target"
    NOT_SELECTED = "not-selected"


_SKIP_FOR_KIND = {
    ActionKind.STATIC: SkipReason.STATIC,
    ActionKind.CUSTOM_AUTH: SkipReason.CUSTOM_AUTH,
}


@attrs.frozen(kw_only=True)
class PlannedChange:
    """One timeout the plan will set, with the version it was seen at."""

    action_id: str = attrs.field(validator=_editable_id)
    name: str = attrs.field(validator=_text)
    from_seconds: int | None = attrs.field(validator=_timeout_value)
    to_seconds: int = attrs.field(validator=_required_timeout)
    version: int = attrs.field(validator=_positive_version)
    has_draft: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    warnings: tuple[str, ...] = attrs.field(
        default=(), converter=_str_tuple, validator=_texts
    )

    def describe(self) -> str:
        """One line: name, id, from and to."""
        draft = "  [pending draft]" if self.has_draft else ""
        return (
            f"{self.name} ({self.action_id}): {_seconds(self.from_seconds)} -> "
            f"{self.to_seconds} s, version {self.version}{draft}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this change."""
        return {
            "action_id": self.action_id,
            "name": self.name,
            "from_seconds": self.from_seconds,
            "to_seconds": self.to_seconds,
            "version": self.version,
            "has_draft": self.has_draft,
            "warnings": list(self.warnings),
        }


@attrs.frozen(kw_only=True)
class PlannedSkip:
    """One action the plan leaves alone, and why."""

    action_id: str = attrs.field(validator=_nonempty_text)
    name: str = attrs.field(validator=_text)
    reason: SkipReason = attrs.field(converter=SkipReason)
    timeout_seconds: int | None = attrs.field(default=None, validator=_timeout_value)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this skip."""
        return {
            "action_id": self.action_id,
            "name": self.name,
            "reason": self.reason.value,
            "timeout_seconds": self.timeout_seconds,
        }


def _sort_key(item: PlannedChange | PlannedSkip) -> tuple[str, str]:
    return (item.name.casefold(), item.action_id)


def _sorted_changes(items: Iterable[PlannedChange]) -> tuple[PlannedChange, ...]:
    return tuple(sorted(items, key=_sort_key))


def _sorted_skips(items: Iterable[PlannedSkip]) -> tuple[PlannedSkip, ...]:
    return tuple(sorted(items, key=_sort_key))


@attrs.frozen(kw_only=True)
class Plan:
    """Which timeouts to set, which actions to leave alone, and what to watch for.

    ``changes`` and ``skips`` are sorted by name, then id; an action id
    appears at most once across both.
    """

    to_seconds: int = attrs.field(validator=_required_timeout)
    selection: Selection | None = None
    changes: tuple[PlannedChange, ...] = attrs.field(
        default=(), converter=_sorted_changes
    )
    skips: tuple[PlannedSkip, ...] = attrs.field(default=(), converter=_sorted_skips)

    def __attrs_post_init__(self) -> None:
        ids = [c.action_id for c in self.changes] + [s.action_id for s in self.skips]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            msg = f"A plan lists each action once; these appear twice: {', '.join(duplicates)}"
            raise InvalidInputError(msg)
        wrong = [c.action_id for c in self.changes if c.to_seconds != self.to_seconds]
        if wrong:
            msg = f"Every change must go to {self.to_seconds} s; these do not: {', '.join(wrong)}"
            raise InvalidInputError(msg)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every change's warnings, in plan order."""
        return tuple(w for change in self.changes for w in change.warnings)

    @property
    def drafts(self) -> tuple[PlannedChange, ...]:
        """The changes whose action has a pending draft holding the old timeout."""
        return tuple(c for c in self.changes if c.has_draft)

    def skip_counts(self) -> dict[str, int]:
        """How many actions are skipped for each reason."""
        counts = {reason.value: 0 for reason in SkipReason}
        for skip in self.skips:
            counts[skip.reason.value] += 1

        return counts

    def describe(self, *, verbose: bool = False) -> str:
        """A readable account of the plan; ``verbose`` lists every skip too."""
        selection = self.selection.describe() if self.selection else "every action"
        lines = [
            f"Set the timeout to {self.to_seconds} s on {len(self.changes)} of "
            f"{len(self.changes) + len(self.skips)} actions ({selection}).",
        ]
        lines.extend(f"  change  {change.describe()}" for change in self.changes)
        counts = {reason: n for reason, n in self.skip_counts().items() if n}
        if counts:
            lines.append(
                "Skipped: "
                + ", ".join(f"{n} {reason}" for reason, n in counts.items())
                + "."
            )
        if verbose:
            lines.extend(
                f"  skip    {s.name} ({s.action_id}): {s.reason.value}"
                for s in self.skips
            )
        if self.drafts:
            lines.append(
                f"{len(self.drafts)} action(s) have a pending draft that still holds the old "
                "timeout; publishing it later would undo this change (see --include-drafts)."
            )
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {warning}" for warning in self.warnings)

        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()

    def to_dict(self) -> dict[str, Any]:
        """The plan as a JSON-ready mapping, the form :meth:`from_dict` reads."""
        return {
            "format": PLAN_FORMAT,
            "format_version": PLAN_FORMAT_VERSION,
            "to_seconds": self.to_seconds,
            "selection": None if self.selection is None else self.selection.to_dict(),
            "changes": [change.to_dict() for change in self.changes],
            "skips": [skip.to_dict() for skip in self.skips],
        }

    def to_json(self) -> str:
        """The plan as an indented JSON document."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, document: object) -> Plan:
        """Rebuild a plan from :meth:`to_dict`'s form, checking every field."""
        return _plan_from_document(document)

    @classmethod
    def from_json(cls, text: str | bytes) -> Plan:
        """Rebuild a plan from :meth:`to_json`'s output.

        Raises :class:`InvalidInputError` saying what is wrong when the text
        is not a plan document written by this library.
        """
        try:
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidInputError(
                f"The plan file is not valid JSON ({exc}). Write a new one with "
                "`genesys-timeouts plan ... --out plan.json`."
            ) from None

        return _plan_from_document(document)


_CHANGE_KEYS = frozenset({"action_id", "name", "from_seconds", "to_seconds", "version"})
_SKIP_KEYS = frozenset({"action_id", "name", "reason"})


def _bad_plan(problem: str) -> InvalidInputError:
    return InvalidInputError(
        f"The plan file is not a usable genesys-timeouts plan: {problem}. "
        "Write a new one with `genesys-timeouts plan ... --out plan.json`."
    )


def _mapping(value: object, where: str, required: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad_plan(f"{where} must be an object, not {type(value).__name__}")
    missing = sorted(required - set(value))
    if missing:
        raise _bad_plan(f"{where} lacks {', '.join(missing)}")

    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad_plan(f"{where} must be a list")

    return value


def _built(where: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (InvalidInputError, TypeError, ValueError) as exc:
        raise _bad_plan(f"{where}: {exc}") from None


def _factory(kind: Callable[..., T], fields: Mapping[str, Any]) -> Callable[[], T]:
    return lambda: kind(**dict(fields))


def _plan_from_document(document: object) -> Plan:
    root = _mapping(document, "the document", frozenset({"format", "to_seconds"}))
    if root["format"] != PLAN_FORMAT:
        raise _bad_plan(f"its format is {root['format']!r}, expected {PLAN_FORMAT!r}")
    if root.get("format_version", PLAN_FORMAT_VERSION) != PLAN_FORMAT_VERSION:
        raise _bad_plan(
            f"it has format version {root.get('format_version')!r}; this library "
            f"reads version {PLAN_FORMAT_VERSION}"
        )

    selection = None
    if root.get("selection") is not None:
        fields = _mapping(root["selection"], "selection", frozenset())
        selection = _built("selection", lambda: Selection(**dict(fields)))

    changes = []
    for number, item in enumerate(_list(root.get("changes", []), "changes"), 1):
        where = f"change {number}"
        fields = _mapping(item, where, _CHANGE_KEYS)
        changes.append(_built(where, _factory(PlannedChange, fields)))

    skips = []
    for number, item in enumerate(_list(root.get("skips", []), "skips"), 1):
        where = f"skip {number}"
        fields = _mapping(item, where, _SKIP_KEYS)
        skips.append(_built(where, _factory(PlannedSkip, fields)))

    return _built(
        "the plan",
        lambda: Plan(
            to_seconds=root["to_seconds"],
            selection=selection,
            changes=changes,
            skips=skips,
        ),
    )


def _plan_one(
    action: DataAction, to: int, where: Selection | None
) -> PlannedChange | PlannedSkip:
    def skip(reason: SkipReason) -> PlannedSkip:
        return PlannedSkip(
            action_id=action.id,
            name=action.name,
            reason=reason,
            timeout_seconds=action.timeout_seconds,
        )

    if where is not None and not where.matches(action):
        return skip(SkipReason.NOT_SELECTED)
    if action.kind in _SKIP_FOR_KIND:
        return skip(_SKIP_FOR_KIND[action.kind])
    # Unset means the platform default, so an unset action is already at a
    # target of 60 s: writing 60 explicitly would change nothing at run time.
    if action.effective_timeout_seconds == to:
        return skip(SkipReason.AT_TARGET)

    return PlannedChange(
        action_id=action.id,
        name=action.name,
        from_seconds=action.timeout_seconds,
        to_seconds=to,
        version=action.version,
        has_draft=action.has_draft,
        warnings=validate_timeout(action, to),
    )


def plan_timeouts(
    actions: Iterable[DataAction], *, to: int, where: Selection | None = None
) -> Plan:
    """Plan setting every selected, editable action's timeout to ``to`` seconds.

    Pure: reads nothing from the platform. Each action becomes exactly one
    change or one skip (static, custom-authentication, already at the
    target, or not selected). Raises :class:`InvalidTimeoutError` when
    ``to`` is not an integer from 1 to 60, and :class:`InvalidInputError`
    when an action id is given twice.
    """
    if (
        isinstance(to, bool)
        or not isinstance(to, int)
        or not 1 <= to <= MAX_TIMEOUT_SECONDS
    ):
        raise InvalidTimeoutError(
            f"A timeout must be a whole number of seconds from {MIN_TIMEOUT_SECONDS} "
            f"to {MAX_TIMEOUT_SECONDS}, not {to!r}."
        )
    items = [_plan_one(action, to, where) for action in actions]

    return Plan(
        to_seconds=to,
        selection=where,
        changes=[i for i in items if isinstance(i, PlannedChange)],
        skips=[i for i in items if isinstance(i, PlannedSkip)],
    )
