"""Which Architect flows call a data action, and which of them override its timeout.

A Call Data Action step that unticks "use the action's suggested timeout"
(``useSuggestedTimeout: false``) keeps its own timeout: raising the
action's timeout changes nothing for that flow until the flow is edited
and republished. This module finds those steps.

Flows are found through Architect's dependency tracking: one query per
action and object type (``DATAACTION`` or ``SECUREACTION``). Each consuming
flow's document is then read once per distinct version and searched for
every selected action at once. When dependency tracking is not
operational, every flow's published document is scanned instead, with a
warning.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._actions import pages
from ._errors import NotFoundError
from ._flowdoc import SEPARATOR, Call, find_calls, format_seconds
from ._models import DataAction
from ._session import Session

__all__ = [
    "ActionImpact",
    "FlowImpact",
    "FlowOverride",
    "FlowReference",
    "FlowState",
    "Progress",
    "Via",
    "dependency_status",
    "find_overrides",
    "find_references",
    "flow_type_label",
]

_log = logging.getLogger("genesys_timeouts")

#: Called with (documents read, documents to read) while flows are read.
Progress = Callable[[int, int], None]

OPERATIONAL = "OPERATIONAL"
#: Usable, but flows changed since the last build, so the index may be stale.
_STALE = "OPERATIONALNEEDSREBUILD"

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


@attrs.frozen(kw_only=True)
class FlowReference:
    """A flow version that uses a data action, as dependency tracking or a scan saw it."""

    flow_id: str
    flow_name: str
    flow_type: str
    flow_version: str
    action_id: str
    via: Via
    state: FlowState = FlowState.PUBLISHED

    @property
    def published(self) -> bool:
        """Whether this is the version that runs."""
        return self.state is FlowState.PUBLISHED

    @property
    def label(self) -> str:
        """The flow as people name it, e.g. ``Inbound call 'Main IVR'``."""
        return f"{flow_type_label(self.flow_type)} '{self.flow_name}'"

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


@attrs.frozen(kw_only=True)
class FlowOverride:
    """One step of a flow version that calls a data action, and its timeout.

    ``overrides`` is True when the step unticks "use the action's suggested
    timeout": its own timeout then wins. ``timeout_seconds`` is that
    timeout when it is a literal; ``expression`` holds it when it is only
    known at run time. ``problem`` says why the step could not be read.
    """

    flow_id: str
    flow_name: str
    flow_type: str
    flow_version: str
    state: FlowState = FlowState.PUBLISHED
    action_id: str
    path: tuple[str, ...]
    step_name: str
    step_id: str | None = None
    use_suggested_timeout: bool | None
    timeout_seconds: float | None = None
    expression: str | None = None
    problem: str | None = None

    @property
    def overrides(self) -> bool:
        """Whether the flow's own timeout wins over the action's."""
        return self.use_suggested_timeout is False

    @property
    def location(self) -> str:
        """Flow, containers and step as one line: ``Inbound call 'IVR' > Task 'Main' > 'Lookup'``."""
        flow = f"{flow_type_label(self.flow_type)} '{self.flow_name}'"
        return SEPARATOR.join((flow, *self.path, f"'{self.step_name}'"))

    def reason(self, new_timeout: int | None = None) -> str:
        """One line saying why this step may not see the action's timeout."""
        if self.problem is not None:
            return f"{self.location} could not be read ({self.problem}); check it in Architect"
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
    """The flows that use one action, and the steps in them that call it.

    ``steps`` holds every calling step found; ``overrides`` only those that
    keep their own timeout.
    """

    action_id: str
    references: tuple[FlowReference, ...] = ()
    steps: tuple[FlowOverride, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def overrides(self) -> tuple[FlowOverride, ...]:
        """The steps whose own timeout wins over the action's."""
        return tuple(step for step in self.steps if step.overrides)

    @property
    def unreadable(self) -> tuple[FlowOverride, ...]:
        """The steps whose timeout setting could not be read."""
        return tuple(step for step in self.steps if step.problem is not None)

    @property
    def flows_using(self) -> int:
        """How many distinct flows use the action."""
        return len(
            {ref.flow_id for ref in self.references} | {s.flow_id for s in self.steps}
        )

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
            "lowest_override_seconds": self.lowest_override_seconds,
            "references": [ref.to_dict() for ref in self.references],
            "steps": [step.to_dict() for step in self.steps],
            "warnings": list(self.warnings),
        }


@attrs.frozen(kw_only=True)
class FlowImpact:
    """What an impact analysis found, per action id.

    ``dependency_status`` is the dependency-tracking build status seen;
    ``scanned`` is True when every flow was scanned because that index
    could not be trusted. ``warnings`` apply to the whole run and are also
    in each action's own warnings.
    """

    actions: Mapping[str, ActionImpact]
    dependency_status: str
    scanned: bool = False
    warnings: tuple[str, ...] = ()

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


# --- dependency tracking -------------------------------------------------------


def dependency_status(session: Session) -> str:
    """The dependency-tracking build status, e.g. ``OPERATIONAL`` or ``NOTBUILT``."""
    _model, body = session.invoke(
        "the dependency-tracking build status",
        session.architect_api.get_architect_dependencytracking_build,
    )

    return str((body or {}).get("status") or "UNKNOWN")


def _status_warning(status: str, *, scanning: bool) -> str | None:
    if status == OPERATIONAL:
        return None
    if status == _STALE:
        return (
            "Architect dependency tracking needs a rebuild (OPERATIONALNEEDSREBUILD): flows "
            "changed since it was built may be missing. Rebuild it in Architect, or scan "
            "every flow, to be sure."
        )
    if scanning:
        return (
            f"Architect dependency tracking is {status}, so it cannot say which flows use "
            "an action; every published flow was scanned instead."
        )

    return (
        f"Architect dependency tracking is {status}: its answer may be incomplete, and "
        "'no flows' cannot be trusted. Rebuild it in Architect, or scan every flow."
    )


def _object_types(action: DataAction | str) -> tuple[Via, ...]:
    if isinstance(action, str):
        return (Via.DATAACTION, Via.SECUREACTION)

    return (Via.SECUREACTION,) if action.secure else (Via.DATAACTION,)


def _action_id(action: DataAction | str) -> str:
    return action if isinstance(action, str) else action.id


def _query(
    session: Session, action_id: str, via: Via, state: FlowState
) -> Iterator[FlowReference]:
    listing = pages(
        session,
        f"the flows using data action {action_id}",
        session.architect_api.get_architect_dependencytracking_consumingresources,
        id=action_id,
        object_type=via.value,
        flow_filter=state.value,
    )
    for entity in listing:
        if entity.get("deleted"):
            continue  # a deleted flow no longer runs
        yield FlowReference(
            flow_id=str(entity.get("id") or ""),
            flow_name=str(entity.get("name") or ""),
            flow_type=str(entity.get("type") or ""),
            flow_version=str(entity.get("version") or ""),
            action_id=action_id,
            via=via,
            state=state,
        )


def _states(include_checked_in: bool) -> tuple[FlowState, ...]:
    if include_checked_in:
        return (FlowState.PUBLISHED, FlowState.CHECKED_IN)

    return (FlowState.PUBLISHED,)


def _references(
    session: Session, action: DataAction | str, include_checked_in: bool
) -> list[FlowReference]:
    action_id = _action_id(action)
    return [
        ref
        for via in _object_types(action)
        for state in _states(include_checked_in)
        for ref in _query(session, action_id, via, state)
    ]


def find_references(
    session: Session, action: DataAction | str, *, include_checked_in: bool = False
) -> list[FlowReference]:
    """The flows that use ``action``, according to Architect's dependency tracking.

    A :class:`DataAction` is looked up under its own object type
    (``SECUREACTION`` when secure, else ``DATAACTION``); a bare id under
    both. Published versions only, unless ``include_checked_in``, which
    costs a second query per object type. A dependency index that is not
    operational is logged as a warning; :func:`find_overrides` returns it.
    """
    status = dependency_status(session)
    warning = _status_warning(status, scanning=False)
    if warning:
        _log.warning(warning, extra={"event": "dependency_status", "status": status})

    return _references(session, action, include_checked_in)


# --- reading flow documents ------------------------------------------------------


@attrs.define
class _Target:
    """A flow version to read, and what is known about the flow."""

    flow_id: str
    flow_name: str
    flow_type: str
    version: str
    state: FlowState


class _Documents:
    """Reads each flow and each flow version at most once during one run."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._flows: dict[str, Mapping[str, Any] | None] = {}
        self._documents: dict[tuple[str, str], Mapping[str, Any] | None] = {}

    def flow(self, flow_id: str) -> Mapping[str, Any] | None:
        """The flow's record (its versions), or None when it no longer exists."""
        if flow_id not in self._flows:
            try:
                _model, body = self._session.invoke(
                    f"flow {flow_id}", self._session.architect_api.get_flow, flow_id
                )
            except NotFoundError:
                body = None
            self._flows[flow_id] = body
        return self._flows[flow_id]

    def document(self, flow_id: str, version: str) -> Mapping[str, Any] | None:
        """The flow document of one version, or None when it no longer exists."""
        key = (flow_id, version)
        if key not in self._documents:
            try:
                _model, body = self._session.invoke(
                    f"version {version} of flow {flow_id}",
                    self._session.architect_api.get_flow_version_configuration,
                    flow_id,
                    version,
                )
            except NotFoundError:
                body = None
            self._documents[key] = body
        return self._documents[key]


def _version_id(flow: Mapping[str, Any], state: FlowState) -> str | None:
    key = "publishedVersion" if state is FlowState.PUBLISHED else "checkedInVersion"
    version = flow.get(key)
    if isinstance(version, Mapping) and version.get("id"):
        return str(version["id"])

    return None


#: Warnings about single flows, by flow id, so each lands on the actions that flow uses.
FlowNotes = dict[str, list[str]]


def _targets_from_references(
    documents: _Documents, references: Iterable[FlowReference], collector: _Collector
) -> list[_Target]:
    """The flow versions to read: the current version of each referenced flow and state."""
    targets: dict[tuple[str, str], _Target] = {}
    checked: set[tuple[str, FlowState]] = set()
    for ref in references:
        if (ref.flow_id, ref.state) in checked:
            continue
        checked.add((ref.flow_id, ref.state))
        flow = documents.flow(ref.flow_id)
        version = _version_id(flow, ref.state) if flow is not None else None
        if flow is None or version is None:
            gone = (
                "no longer exists"
                if flow is None
                else f"has no {ref.state.value} version"
            )
            collector.skip(ref.flow_id, f"{ref.label} {gone}; it was skipped.")
            continue
        if ref.flow_version and version != ref.flow_version:
            collector.notes.setdefault(ref.flow_id, []).append(
                f"{ref.label}: dependency tracking lists version {ref.flow_version} but "
                f"version {version} is {ref.state.value}; version {version} was read."
            )
        name = str(flow.get("name") or ref.flow_name)
        kind = str(flow.get("type") or ref.flow_type)
        targets.setdefault(
            (ref.flow_id, version), _Target(ref.flow_id, name, kind, version, ref.state)
        )

    return list(targets.values())


def _targets_from_listing(
    flows: Iterable[Mapping[str, Any]], include_checked_in: bool
) -> list[_Target]:
    targets: dict[tuple[str, str], _Target] = {}
    for flow in flows:
        if flow.get("deleted"):
            continue
        for state in _states(include_checked_in):
            version = _version_id(flow, state)
            key = (str(flow.get("id")), version or "")
            if version is not None and key not in targets:
                name, kind = str(flow.get("name") or ""), str(flow.get("type") or "")
                targets[key] = _Target(key[0], name, kind, version, state)

    return list(targets.values())


def _step(target: _Target, call: Call, action_id: str) -> FlowOverride:
    timeout = call.timeout
    return FlowOverride(
        flow_id=target.flow_id,
        flow_name=target.flow_name,
        flow_type=target.flow_type,
        flow_version=target.version,
        state=target.state,
        action_id=action_id,
        path=call.path,
        step_name=call.step_name,
        step_id=call.step_id,
        use_suggested_timeout=call.use_suggested_timeout,
        timeout_seconds=timeout.seconds if timeout is not None else None,
        expression=timeout.expression if timeout is not None else None,
        problem=call.problem,
    )


class _Collector:
    """Gathers the steps found in documents, per action, during one run."""

    def __init__(
        self, actions: Mapping[str, DataAction | None], notes: FlowNotes
    ) -> None:
        self.actions = actions
        self.notes = notes
        self.steps: dict[str, list[FlowOverride]] = {aid: [] for aid in actions}
        self.found: dict[str, list[FlowReference]] = {aid: [] for aid in actions}
        self.skipped: set[str] = set()

    def skip(self, flow_id: str, note: str) -> None:
        """Record that a flow could not be read, and why."""
        self.skipped.add(flow_id)
        self.notes.setdefault(flow_id, []).append(note)

    def add(self, target: _Target, document: Mapping[str, Any]) -> None:
        """Search one document for every selected action at once."""
        seen: set[str] = set()
        for call in find_calls(document, self.actions):
            if call.action_id is None:
                where = f"{flow_type_label(target.flow_type)} '{target.flow_name}'"
                self.notes.setdefault(target.flow_id, []).append(
                    f"{where}{SEPARATOR}{call.location} looks like a data-action call but "
                    f"{call.problem}; check it in Architect."
                )
                continue
            self.steps[call.action_id].append(_step(target, call, call.action_id))
            if call.action_id not in seen:
                seen.add(call.action_id)
                self.found[call.action_id].append(self._reference(target, call))

    def _reference(self, target: _Target, call: Call) -> FlowReference:
        action = self.actions.get(call.action_id or "")
        secure = (
            action.secure if action is not None else "secure" in call.step_type.lower()
        )
        return FlowReference(
            flow_id=target.flow_id,
            flow_name=target.flow_name,
            flow_type=target.flow_type,
            flow_version=target.version,
            action_id=call.action_id or "",
            via=Via.SECUREACTION if secure else Via.DATAACTION,
            state=target.state,
        )


def _read(
    documents: _Documents,
    targets: Sequence[_Target],
    collector: _Collector,
    progress: Progress | None,
) -> None:
    total = len(targets)
    if progress is not None:
        progress(0, total)
    for done, target in enumerate(targets, start=1):
        document = documents.document(target.flow_id, target.version)
        if document is None:
            collector.skip(
                target.flow_id,
                f"Version {target.version} of flow '{target.flow_name}' ({target.flow_id}) "
                "could not be read; it was skipped.",
            )
        else:
            collector.add(target, document)
        if progress is not None:
            progress(done, total)


def _selected(actions: Iterable[DataAction | str]) -> dict[str, DataAction | None]:
    selected: dict[str, DataAction | None] = {}
    for action in actions:
        if isinstance(action, DataAction):
            selected[action.id] = action
        else:
            selected.setdefault(action, None)

    return selected


def _disagreements(
    references: Sequence[FlowReference],
    found: Sequence[FlowReference],
    skipped: set[str],
) -> list[str]:
    """Warnings where dependency tracking and the documents disagree about one action."""
    listed = {ref.flow_id: ref for ref in references}
    seen = {ref.flow_id: ref for ref in found}
    lines = [
        f"{ref.label} is listed as using the action, but no step calling it was found."
        for flow_id, ref in listed.items()
        if flow_id not in seen and flow_id not in skipped
    ]
    lines += [
        f"{ref.label} calls the action but dependency tracking does not list it; "
        "the index may be stale."
        for flow_id, ref in seen.items()
        if flow_id not in listed
    ]

    return lines


def _notes_for(flow_ids: Iterable[str], notes: FlowNotes) -> list[str]:
    return [
        line for flow_id in dict.fromkeys(flow_ids) for line in notes.get(flow_id, [])
    ]


def _scan(
    session: Session,
    collector: _Collector,
    include_checked_in: bool,
    progress: Progress | None,
) -> dict[str, list[FlowReference]]:
    """Read every flow's document once; the references are what the documents show."""
    flows = pages(session, "the flows", session.architect_api.get_flows)
    targets = _targets_from_listing(flows, include_checked_in)
    _read(_Documents(session), targets, collector, progress)

    return collector.found


def _follow_index(
    session: Session,
    collector: _Collector,
    include_checked_in: bool,
    progress: Progress | None,
) -> dict[str, list[FlowReference]]:
    """Ask dependency tracking per action, then read each consuming flow version once."""
    references = {
        aid: _references(session, action or aid, include_checked_in)
        for aid, action in collector.actions.items()
    }
    documents = _Documents(session)
    everything = [ref for refs in references.values() for ref in refs]
    targets = _targets_from_references(documents, everything, collector)
    _read(documents, targets, collector, progress)

    return references


def find_overrides(
    session: Session,
    actions: Iterable[DataAction | str],
    *,
    include_checked_in: bool = False,
    scan_all: bool = False,
    progress: Progress | None = None,
) -> FlowImpact:
    """Find the flows that use each action and every step in them that calls it.

    Costs one dependency query per action and object type (per page), one
    ``get_flow`` per consuming flow and one document read per distinct
    flow version, however many of the actions it calls. When dependency
    tracking is not operational, or with ``scan_all``, every flow is
    listed and each published document read once instead. ``progress`` is
    called with (documents read, documents to read).
    """
    selected = _selected(actions)
    if not selected:
        return FlowImpact(actions={}, dependency_status="UNKNOWN")
    status = dependency_status(session)
    scanning = scan_all or status not in (OPERATIONAL, _STALE)
    shared: list[str] = []
    warning = None if scan_all else _status_warning(status, scanning=scanning)
    if warning:
        _log.warning(warning, extra={"event": "dependency_status", "status": status})
        shared.append(warning)

    collector = _Collector(selected, {})
    follow = _scan if scanning else _follow_index
    references = follow(session, collector, include_checked_in, progress)
    impacts = {
        aid: _impact(aid, references[aid], collector, tuple(shared), scanning)
        for aid in selected
    }
    # Notes about flows no selected action uses, such as a call-like step
    # without an action id found while scanning, belong to the whole run.
    named = {ref.flow_id for impact in impacts.values() for ref in impact.references}
    shared += _notes_for(
        (f for f in collector.notes if f not in named), collector.notes
    )

    return FlowImpact(
        actions=impacts,
        dependency_status=status,
        scanned=scanning,
        warnings=tuple(shared),
    )


def _impact(
    action_id: str,
    references: Sequence[FlowReference],
    collector: _Collector,
    shared: tuple[str, ...],
    scanning: bool,
) -> ActionImpact:
    found = collector.found[action_id]
    flow_ids = [ref.flow_id for ref in (*references, *found)]
    local = _notes_for(flow_ids, collector.notes)
    if not scanning:
        local += _disagreements(references, found, collector.skipped)

    return ActionImpact(
        action_id=action_id,
        references=tuple(references),
        steps=tuple(collector.steps[action_id]),
        warnings=(*shared, *local),
    )
