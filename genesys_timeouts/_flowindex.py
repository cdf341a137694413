"""How :mod:`genesys_timeouts.flows` finds and reads the flows that use data actions.

Through dependency tracking: one query per action and object type (every
page), then each consuming flow's record, to learn which of its versions
is published now, and each distinct published version's document, read
once per run and searched for every selected action at once. Or, when
that index cannot be trusted, by listing every flow and scanning its
documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._actions import PAGE_SIZE, pages
from ._errors import NotFoundError
from ._flowdoc import SEPARATOR, Call, find_calls
from ._flowvalues import (
    ActionImpact,
    FlowOverride,
    FlowReference,
    FlowState,
    Progress,
    Via,
    flow_type_label,
)
from ._models import DataAction
from ._session import Session

__all__ = [
    "OPERATIONAL",
    "STALE",
    "Collector",
    "Listed",
    "Reader",
    "build_status",
    "follow_index",
    "impact_of",
    "list_consumers",
    "list_flows_within",
    "resolve",
    "scan",
    "status_warning",
]

OPERATIONAL = "OPERATIONAL"
#: Usable, but flows changed since the last build, so the index may be stale.
STALE = "OPERATIONALNEEDSREBUILD"

#: A flow may use an action under either type: an action's ``secure`` flag
#: can change when a draft is published, and flows saved before keep the
#: type they were indexed under.
OBJECT_TYPES = (Via.DATAACTION, Via.SECUREACTION)


def build_status(session: Session) -> str:
    """The dependency-tracking build status, e.g. ``OPERATIONAL`` or ``NOTBUILT``."""
    _model, body = session.invoke(
        "the dependency-tracking build status",
        session.architect_api.get_architect_dependencytracking_build,
    )

    return str((body or {}).get("status") or "UNKNOWN")


def status_warning(status: str, *, scanning: bool) -> str | None:
    """What a build status means for the answer, or None when it can be trusted."""
    if status == OPERATIONAL:
        return None
    if status == STALE:
        return (
            "Architect dependency tracking needs a rebuild (OPERATIONALNEEDSREBUILD): flows "
            "changed since it was built may be missing. Rebuild it in Architect, or scan "
            "every flow, to be sure."
        )
    if scanning:
        return (
            f"Architect dependency tracking is {status}, so it cannot say which flows use "
            "an action; every flow was scanned instead."
        )

    return (
        f"Architect dependency tracking is {status}: its answer may be incomplete, and "
        "'no flows' cannot be trusted. Rebuild it in Architect, or scan every flow."
    )


# --- dependency tracking -------------------------------------------------------


@attrs.frozen
class Listed:
    """One consuming flow version, as dependency tracking lists it."""

    action_id: str
    via: Via
    flow_id: str
    flow_name: str
    flow_type: str
    version: str


def list_consumers(
    session: Session, action_id: str, *, include_checked_in: bool
) -> list[Listed]:
    """Every flow version dependency tracking lists for the action, both object types.

    One query per object type, every page. Without a flow filter the
    index lists published and checked-in versions alike; with
    ``include_checked_in`` False it is asked for published versions only.
    """
    query: dict[str, str] = {} if include_checked_in else {"flow_filter": "published"}
    listed: list[Listed] = []
    for via in OBJECT_TYPES:
        entities = pages(
            session,
            f"the flows using data action {action_id} ({via.value})",
            session.architect_api.get_architect_dependencytracking_consumingresources,
            id=action_id,
            object_type=via.value,
            **query,
        )
        listed += [
            Listed(
                action_id=action_id,
                via=via,
                flow_id=str(entity["id"]),
                flow_name=str(entity.get("name") or ""),
                flow_type=str(entity.get("type") or ""),
                version=str(entity.get("version") or ""),
            )
            for entity in entities
            # A deleted flow no longer runs; an entry without an id names nothing.
            if not entity.get("deleted") and entity.get("id")
        ]

    return listed


# --- reading flows -------------------------------------------------------------


class Reader:
    """Reads each flow record and each flow version's document at most once per run."""

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


@attrs.frozen
class Target:
    """A flow version to read, and what is known about the flow."""

    flow_id: str
    flow_name: str
    flow_type: str
    version: str
    state: FlowState

    @property
    def label(self) -> str:
        """The flow as people name it."""
        return f"{flow_type_label(self.flow_type)} '{self.flow_name}'"


class Collector:
    """Gathers, per action, the steps and references found in documents during one run.

    Notes are kept per flow id, so each one lands on the actions that
    flow uses.
    """

    def __init__(self, actions: Mapping[str, DataAction | None]) -> None:
        self.actions = actions
        self.notes: dict[str, list[str]] = {}
        self.steps: dict[str, list[FlowOverride]] = {aid: [] for aid in actions}
        self.found: dict[str, list[FlowReference]] = {aid: [] for aid in actions}
        self.skipped: set[str] = set()
        self._seen: set[tuple[str, str, str]] = set()

    def note(self, flow_id: str, line: str) -> None:
        """Remember something about one flow, once."""
        lines = self.notes.setdefault(flow_id, [])
        if line not in lines:
            lines.append(line)

    def skip(self, flow_id: str, line: str) -> None:
        """Record that a flow could not be read, and why."""
        self.skipped.add(flow_id)
        self.note(flow_id, line)

    def add(self, target: Target, document: Mapping[str, Any]) -> None:
        """Search one document for every selected action at once.

        A published version gives steps and references; a version that is
        only checked in gives references, since its steps do not run yet.
        """
        published = target.state is FlowState.PUBLISHED
        for call in find_calls(document, self.actions):
            if call.action_id is None:
                if published:
                    self.note(
                        target.flow_id,
                        f"{target.label}{SEPARATOR}{call.location} looks like a "
                        f"data-action call but {call.problem}; check it in Architect.",
                    )
                continue
            if published:
                self.steps[call.action_id].append(_step(target, call, call.action_id))
            key = (call.action_id, target.flow_id, target.version)
            if key not in self._seen:
                self._seen.add(key)
                self.found[call.action_id].append(self._reference(target, call))

    def _reference(self, target: Target, call: Call) -> FlowReference:
        action = self.actions.get(call.action_id or "")
        secure = "secure" in call.step_type.lower() or bool(action and action.secure)
        return FlowReference(
            flow_id=target.flow_id,
            flow_name=target.flow_name,
            flow_type=target.flow_type,
            flow_version=target.version,
            action_id=call.action_id or "",
            via=Via.SECUREACTION if secure else Via.DATAACTION,
            state=target.state,
        )


def _step(target: Target, call: Call, action_id: str) -> FlowOverride:
    # A step that uses the action's timeout still stores one, which is
    # ignored at run time: it is not reported as the step's own.
    timeout = call.timeout if call.use_suggested_timeout is not True else None
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


def read(
    reader: Reader,
    targets: Sequence[Target],
    collector: Collector,
    progress: Progress | None,
) -> None:
    """Read each target's document once, reporting progress after each."""
    total = len(targets)
    if progress is not None:
        progress(0, total)
    for done, target in enumerate(targets, start=1):
        document = reader.document(target.flow_id, target.version)
        if document is None:
            collector.skip(
                target.flow_id,
                f"Version {target.version} of {target.label} ({target.flow_id}) "
                "could not be read; it was skipped.",
            )
        else:
            collector.add(target, document)
        if progress is not None:
            progress(done, total)


# --- the two ways to find consumers --------------------------------------------


def resolve(
    listed: Listed, flow: Mapping[str, Any] | None, collector: Collector
) -> tuple[FlowReference | None, Target | None]:
    """The reference for one listed version, and the published version to read for it.

    The index may lag behind the flow: the version read is the one the
    flow's record says is published now, and a difference is noted.
    """
    if flow is None:
        collector.skip(
            listed.flow_id,
            f"{flow_type_label(listed.flow_type)} '{listed.flow_name}' "
            f"({listed.flow_id}) no longer exists; it was skipped.",
        )
        return None, None
    name = str(flow.get("name") or listed.flow_name)
    kind = listed.flow_type or str(flow.get("type") or "")
    published = _version_id(flow, FlowState.PUBLISHED)
    checked_in = _version_id(flow, FlowState.CHECKED_IN)
    label = f"{flow_type_label(kind)} '{name}'"

    if listed.version and listed.version not in (published, checked_in):
        now = f"version {published} is published" if published else "none is published"
        read_now = f"; version {published} was read." if published else "."
        collector.note(
            listed.flow_id,
            f"{label}: dependency tracking lists version {listed.version} but {now}"
            + read_now,
        )
    # A version that is both published and checked in runs: it counts as published.
    only_checked_in = published is None or (
        listed.version == checked_in and listed.version != published
    )
    reference = FlowReference(
        flow_id=listed.flow_id,
        flow_name=name,
        flow_type=kind,
        flow_version=listed.version or published or checked_in or "",
        action_id=listed.action_id,
        via=listed.via,
        state=FlowState.CHECKED_IN if only_checked_in else FlowState.PUBLISHED,
    )
    if only_checked_in or published is None:
        return reference, None

    return reference, Target(listed.flow_id, name, kind, published, FlowState.PUBLISHED)


def follow_index(
    session: Session,
    collector: Collector,
    include_checked_in: bool,
    progress: Progress | None,
) -> dict[str, list[FlowReference]]:
    """Ask dependency tracking per action, then read each published consuming version once."""
    listed = {
        aid: list_consumers(session, aid, include_checked_in=include_checked_in)
        for aid in collector.actions
    }
    reader = Reader(session)
    references: dict[str, list[FlowReference]] = {aid: [] for aid in listed}
    targets: dict[tuple[str, str], Target] = {}
    for aid, entries in listed.items():
        for entry in entries:
            reference, target = resolve(entry, reader.flow(entry.flow_id), collector)
            if reference is not None and reference not in references[aid]:
                references[aid].append(reference)
            if target is not None:
                targets.setdefault((target.flow_id, target.version), target)
    read(reader, list(targets.values()), collector, progress)

    return references


def _scan_targets(
    flows: Iterable[Mapping[str, Any]], include_checked_in: bool
) -> Iterator[Target]:
    for flow in flows:
        if flow.get("deleted") or not flow.get("id"):
            continue
        flow_id = str(flow["id"])
        name, kind = str(flow.get("name") or ""), str(flow.get("type") or "")
        published = _version_id(flow, FlowState.PUBLISHED)
        checked_in = _version_id(flow, FlowState.CHECKED_IN)
        if published is not None:
            yield Target(flow_id, name, kind, published, FlowState.PUBLISHED)
        if include_checked_in and checked_in not in (None, published):
            yield Target(flow_id, name, kind, str(checked_in), FlowState.CHECKED_IN)


def list_flows(session: Session) -> list[Mapping[str, Any]]:
    """Every flow of the org, with its published and checked-in versions."""
    return list(pages(session, "the flows", session.architect_api.get_flows))


def scan_cost(flows: Iterable[Mapping[str, Any]], include_checked_in: bool) -> int:
    """How many document reads scanning ``flows`` takes."""
    return sum(1 for _target in _scan_targets(flows, include_checked_in))


def list_flows_within(
    session: Session, budget: int, include_checked_in: bool
) -> list[Mapping[str, Any]] | None:
    """Every flow of the org, if listing them and reading their documents takes fewer than ``budget`` requests.

    Stops listing, and returns None, as soon as the pages read so far and
    the documents they name reach the budget, so a large org costs only
    the few listing pages needed to tell.
    """
    if budget <= 2:
        # One listing page and one document already cost two requests.
        return None
    flows: list[Mapping[str, Any]] = []
    documents = 0
    for flow in pages(session, "the flows", session.architect_api.get_flows):
        flows.append(flow)
        documents += scan_cost([flow], include_checked_in)
        if -(-len(flows) // PAGE_SIZE) + documents >= budget:
            return None

    return flows


def scan(
    session: Session,
    collector: Collector,
    include_checked_in: bool,
    progress: Progress | None,
    flows: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, list[FlowReference]]:
    """Read each version of every flow once (listing them unless ``flows`` is given).

    The references are what the documents show.
    """
    listed = list_flows(session) if flows is None else flows
    targets = list(_scan_targets(listed, include_checked_in))
    read(Reader(session), targets, collector, progress)

    return collector.found


# --- putting an action's answer together -----------------------------------------


def _disagreements(
    references: Sequence[FlowReference],
    found: Sequence[FlowReference],
    skipped: set[str],
) -> list[str]:
    """Where dependency tracking and the published documents disagree about one action."""
    listed = {ref.flow_id: ref for ref in references if ref.published}
    seen = {ref.flow_id: ref for ref in found if ref.published}
    lines = [
        f"{ref.label} is listed as using the action, but no step calling it was found "
        f"in its published version."
        for flow_id, ref in listed.items()
        if flow_id not in seen and flow_id not in skipped
    ]
    lines += [
        f"{ref.label} calls the action in version {ref.flow_version} but dependency "
        "tracking does not list it; the index may be stale."
        for flow_id, ref in seen.items()
        if flow_id not in listed
    ]

    return lines


def _pending(impact: ActionImpact) -> list[str]:
    return [
        f"{ref.label}: only its checked-in version {ref.flow_version} calls the action, "
        "and it is not published yet; check that step's timeout before publishing it."
        for ref in {r.flow_id: r for r in impact.checked_in_only}.values()
    ]


def impact_of(
    action_id: str,
    references: Sequence[FlowReference],
    collector: Collector,
    shared: Sequence[str],
    *,
    compare: bool,
) -> ActionImpact:
    """One action's impact, with the notes of its flows; ``compare`` checks the index."""
    found = collector.found[action_id]
    flow_ids = dict.fromkeys(ref.flow_id for ref in (*references, *found))
    local = [line for f in flow_ids for line in collector.notes.get(f, [])]
    if compare:
        local += _disagreements(references, found, collector.skipped)
    impact = ActionImpact(
        action_id=action_id,
        references=tuple(references),
        steps=tuple(collector.steps[action_id]),
    )

    return attrs.evolve(impact, warnings=(*shared, *local, *_pending(impact)))
