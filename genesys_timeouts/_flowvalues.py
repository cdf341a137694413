"""The values a flow-impact analysis returns: references, calling steps, impacts.

Frozen, slotted attrs classes, validated at construction: a reference
always names a flow and an action, and a step that uses the action's
suggested timeout carries no timeout of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from ._flowdoc import SEPARATOR, format_seconds

__all__ = [
    "ActionImpact",
    "FlowImpact",
    "FlowOverride",
    "FlowReference",
    "FlowState",
    "Progress",
    "Via",
    "flow_type_label",
]

#: Called with (documents read, documents to read) while flows are read.
Progress = Callable[[int, int], None]

#: How people name flow types, keyed by the API's type with any "FLOW" suffix removed.
_FLOW_TYPE_LABELS = {
    "inboundcall": "Inbound call",
    "inqueuecall": "In-queue call",
    "outboundcall": "Outbound call",
    "securecall": "Secure call",
    "inboundchat": "Inbound chat",
    "inboundemail": "Inbound email",
    "inboundshortmessage": "Inbound message",
    "bot": "Bot",
    "digitalbot": "Digital bot",
    "voice": "Voice",
    "voicemail": "Voicemail",
    "workflow": "Workflow",
    "workitem": "Workitem",
    "commonmodule": "Common module",
    "surveyinvite": "Survey invite",
    "voicesurvey": "Voice survey",
}

_named = attrs.validators.and_(
    attrs.validators.instance_of(str), attrs.validators.min_len(1)
)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


class Via(str, enum.Enum):
    """The dependency-tracking object type through which a flow uses an action."""

    DATAACTION = "DATAACTION"
    SECUREACTION = "SECUREACTION"


class FlowState(str, enum.Enum):
    """Which version of a flow: the one that runs, or the one checked in."""

    PUBLISHED = "published"
    CHECKED_IN = "checkedIn"


def flow_type_label(flow_type: str) -> str:
    """``INBOUNDCALLFLOW`` or ``inboundcall`` as people say it: ``Inbound call``."""
    key = flow_type.lower().replace("_", "")
    key = key.removesuffix("flow") if key != "workflow" else key

    return _FLOW_TYPE_LABELS.get(key, flow_type)


def _label(flow_type: str, flow_name: str) -> str:
    return f"{flow_type_label(flow_type)} '{flow_name}'"


@attrs.frozen(kw_only=True)
class FlowReference:
    """A flow version that uses a data action, as dependency tracking or a scan saw it.

    ``state`` says whether that version is the published one (it runs) or
    only checked in (it runs once published).
    """

    flow_id: str = attrs.field(validator=_named)
    flow_name: str = attrs.field(validator=attrs.validators.instance_of(str))
    flow_type: str = attrs.field(validator=attrs.validators.instance_of(str))
    flow_version: str = attrs.field(validator=attrs.validators.instance_of(str))
    action_id: str = attrs.field(validator=_named)
    via: Via = attrs.field(converter=Via)
    state: FlowState = attrs.field(default=FlowState.PUBLISHED, converter=FlowState)

    @property
    def published(self) -> bool:
        """Whether this is the version that runs."""
        return self.state is FlowState.PUBLISHED

    @property
    def label(self) -> str:
        """The flow as people name it, e.g. ``Inbound call 'Main IVR'``."""
        return _label(self.flow_type, self.flow_name)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this reference."""
        return {
            "flow_id": self.flow_id,
            "flow_name": self.flow_name,
            "flow_type": self.flow_type,
            "flow_version": self.flow_version,
            "action_id": self.action_id,
            "via": self.via.value,
            "state": self.state.value,
        }


def _check_timeout(step: FlowOverride) -> None:
    """The timeout fields of a step must say one consistent thing."""
    own = step.timeout_seconds is not None or step.expression is not None
    if step.timeout_seconds is not None and step.expression is not None:
        msg = "a step's timeout is either seconds or an expression, not both"
        raise ValueError(msg)
    if step.use_suggested_timeout is True and own:
        msg = (
            "a step that uses the action's suggested timeout has no timeout of its own"
        )
        raise ValueError(msg)
    if step.use_suggested_timeout is not True and not own and step.problem is None:
        msg = "a step that keeps its own timeout needs the timeout or a problem"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class FlowOverride:
    """One step of a published flow version that calls a data action.

    ``overrides`` is True when the step unticks "use the action's suggested
    timeout": its own timeout then wins. That timeout is
    ``timeout_seconds`` when it is a literal, or ``expression`` (its text)
    when it is only known at run time; both are None for a step that uses
    the action's timeout. ``problem`` says why the step could not be read.
    """

    flow_id: str = attrs.field(validator=_named)
    flow_name: str = attrs.field(validator=attrs.validators.instance_of(str))
    flow_type: str = attrs.field(validator=attrs.validators.instance_of(str))
    flow_version: str = attrs.field(validator=attrs.validators.instance_of(str))
    state: FlowState = attrs.field(
        default=FlowState.PUBLISHED, converter=FlowState, repr=False
    )
    action_id: str = attrs.field(validator=_named)
    path: tuple[str, ...] = attrs.field(converter=_strings)
    step_name: str = attrs.field(validator=attrs.validators.instance_of(str))
    step_id: str | None = attrs.field(default=None, repr=False)
    use_suggested_timeout: bool | None = attrs.field(
        validator=attrs.validators.optional(attrs.validators.instance_of(bool))
    )
    timeout_seconds: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(0.0))
    )
    expression: str | None = None
    problem: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_timeout(self)

    @property
    def overrides(self) -> bool:
        """Whether the flow's own timeout wins over the action's."""
        return self.use_suggested_timeout is False

    @property
    def location(self) -> str:
        """Flow, containers and step as one line: ``Inbound call 'IVR' > Task 'Main' > 'Lookup'``."""
        flow = _label(self.flow_type, self.flow_name)
        return SEPARATOR.join((flow, *self.path, f"'{self.step_name}'"))

    def reason(self, new_timeout: int | None = None) -> str:
        """One line saying which timeout this step runs with."""
        if self.problem is not None:
            return f"{self.location} could not be read ({self.problem}); check it in Architect"
        if not self.overrides:
            return f"{self.location} uses the action's timeout"
        if self.timeout_seconds is not None:
            own = f"sets its own {format_seconds(self.timeout_seconds)} timeout"
        else:
            own = f"sets its own timeout from the expression {self.expression}"
        if new_timeout is None:
            return f"{self.location} {own}"

        return f"{self.location} {own}, not the new {new_timeout} s"

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this step."""
        return {
            "flow_id": self.flow_id,
            "flow_name": self.flow_name,
            "flow_type": self.flow_type,
            "flow_version": self.flow_version,
            "state": self.state.value,
            "action_id": self.action_id,
            "path": list(self.path),
            "step_name": self.step_name,
            "step_id": self.step_id,
            "location": self.location,
            "use_suggested_timeout": self.use_suggested_timeout,
            "overrides": self.overrides,
            "timeout_seconds": self.timeout_seconds,
            "expression": self.expression,
            "problem": self.problem,
        }


@attrs.frozen(kw_only=True)
class ActionImpact:
    """The flows that use one action, and the steps in their published versions that call it.

    ``references`` holds every consuming flow version, published or only
    checked in; ``steps`` every calling step found in the published
    versions; ``overrides`` only those that keep their own timeout.
    """

    action_id: str = attrs.field(validator=_named)
    references: tuple[FlowReference, ...] = ()
    steps: tuple[FlowOverride, ...] = ()
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    @property
    def overrides(self) -> tuple[FlowOverride, ...]:
        """The steps whose own timeout wins over the action's."""
        return tuple(step for step in self.steps if step.overrides)

    @property
    def unreadable(self) -> tuple[FlowOverride, ...]:
        """The steps whose timeout setting could not be read."""
        return tuple(step for step in self.steps if step.problem is not None)

    @property
    def checked_in_only(self) -> tuple[FlowReference, ...]:
        """Flows whose checked-in version calls the action but whose published one does not."""
        running = {ref.flow_id for ref in self.references if ref.published}
        running |= {step.flow_id for step in self.steps}
        return tuple(
            ref
            for ref in self.references
            if not ref.published and ref.flow_id not in running
        )

    @property
    def flows_using(self) -> int:
        """How many distinct flows use the action in the version that runs."""
        published = {ref.flow_id for ref in self.references if ref.published}
        return len(published | {step.flow_id for step in self.steps})

    @property
    def flows_overriding(self) -> int:
        """How many distinct flows keep their own timeout in at least one step."""
        return len({step.flow_id for step in self.overrides})

    @property
    def lowest_override_seconds(self) -> float | None:
        """The lowest literal timeout a flow sets for this action, or None."""
        known = [
            s.timeout_seconds for s in self.overrides if s.timeout_seconds is not None
        ]
        return min(known, default=None)

    def flows_ignoring(self, new_timeout: int) -> list[tuple[FlowOverride, str]]:
        """The steps that will not see ``new_timeout``, each with a one-line reason.

        Overriding steps keep their own timeout whatever its value; steps
        whose setting could not be read are listed too, to be checked.
        """
        flagged = [s for s in self.steps if s.overrides or s.problem is not None]
        return [(step, step.reason(new_timeout)) for step in flagged]

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this action's impact."""
        return {
            "action_id": self.action_id,
            "flows_using": self.flows_using,
            "flows_overriding": self.flows_overriding,
            "flows_checked_in_only": len({r.flow_id for r in self.checked_in_only}),
            "lowest_override_seconds": self.lowest_override_seconds,
            "references": [ref.to_dict() for ref in self.references],
            "steps": [step.to_dict() for step in self.steps],
            "warnings": list(self.warnings),
        }


@attrs.frozen(kw_only=True)
class FlowImpact:
    """What an impact analysis found, per action id.

    ``dependency_status`` is the dependency-tracking build status seen;
    ``scanned`` is True when flow documents were scanned instead of
    following that index. ``warnings`` apply to the whole run and are also
    in each action's own warnings.
    """

    actions: Mapping[str, ActionImpact]
    dependency_status: str
    scanned: bool = False
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def __getitem__(self, action_id: str) -> ActionImpact:
        return self.actions[action_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def references(self, action_id: str) -> tuple[FlowReference, ...]:
        """The flows that use the action."""
        return self.actions[action_id].references

    def overrides(self, action_id: str) -> tuple[FlowOverride, ...]:
        """The steps that keep their own timeout for the action."""
        return self.actions[action_id].overrides

    def lowest_override_seconds(self, action_id: str) -> float | None:
        """The lowest literal timeout a flow sets for the action, or None."""
        return self.actions[action_id].lowest_override_seconds

    def warnings_for(self, action_id: str) -> tuple[str, ...]:
        """Warnings about the action, the run-wide ones included."""
        return self.actions[action_id].warnings

    def flows_ignoring(
        self, action_id: str, new_timeout: int
    ) -> list[tuple[FlowOverride, str]]:
        """The steps that will not see ``new_timeout`` for the action, with reasons."""
        return self.actions[action_id].flows_ignoring(new_timeout)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of the whole analysis."""
        return {
            "dependency_status": self.dependency_status,
            "scanned": self.scanned,
            "warnings": list(self.warnings),
            "actions": {aid: impact.to_dict() for aid, impact in self.actions.items()},
        }
