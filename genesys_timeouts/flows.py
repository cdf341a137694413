"""Which Architect flows call a data action, and which of them override its timeout.

A Call Data Action step that unticks "use the action's suggested timeout"
(``useSuggestedTimeout: false``) keeps its own timeout: raising the
action's timeout changes nothing for that flow until the flow is edited
and republished. This module finds those steps.

Flows are found through Architect's dependency tracking: one query per
action and object type (``DATAACTION`` and ``SECUREACTION``), every page,
published and checked-in versions alike. Each consuming flow's published
document is then read once per distinct version and searched for every
selected action at once. When dependency tracking is not operational,
every flow's documents are scanned instead, with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ._flowindex import (
    OPERATIONAL,
    STALE,
    Collector,
    Reader,
    build_status,
    follow_index,
    impact_of,
    list_consumers,
    list_flows_within,
    resolve,
    scan,
    status_warning,
)
from ._flowvalues import (
    ActionImpact,
    FlowImpact,
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


def dependency_status(session: Session) -> str:
    """The dependency-tracking build status, e.g. ``OPERATIONAL`` or ``NOTBUILT``."""
    return build_status(session)


def _warn(line: str, **extra: str) -> None:
    _log.warning(line, extra={"event": "flow_impact", **extra})


def find_references(
    session: Session, action: DataAction | str, *, include_checked_in: bool = True
) -> list[FlowReference]:
    """The flows that use ``action``, according to Architect's dependency tracking.

    Asks under ``DATAACTION`` and ``SECUREACTION``, every page. By default
    published and checked-in versions are both returned, each with its
    ``state``, which costs one ``get_flow`` per consuming flow to tell them
    apart; ``include_checked_in=False`` asks for published versions only
    and reads no flow. A dependency index that is not operational is
    logged as a warning: its answer, "no flows" above all, may be wrong.
    """
    action_id = action if isinstance(action, str) else action.id
    status = build_status(session)
    warning = status_warning(status, scanning=False)
    if warning:
        _warn(warning, status=status)
    listed = list_consumers(session, action_id, include_checked_in=include_checked_in)
    if not include_checked_in:
        return [
            FlowReference(
                flow_id=entry.flow_id,
                flow_name=entry.flow_name,
                flow_type=entry.flow_type,
                flow_version=entry.version,
                action_id=action_id,
                via=entry.via,
            )
            for entry in listed
        ]

    reader = Reader(session)
    collector = Collector({action_id: None})
    references: list[FlowReference] = []
    for entry in listed:
        reference, _target = resolve(entry, reader.flow(entry.flow_id), collector)
        if reference is not None and reference not in references:
            references.append(reference)
    for line in dict.fromkeys(n for notes in collector.notes.values() for n in notes):
        _warn(line, action_id=action_id)

    return references


def _selected(actions: Iterable[DataAction | str]) -> dict[str, DataAction | None]:
    selected: dict[str, DataAction | None] = {}
    for action in actions:
        if isinstance(action, DataAction):
            selected[action.id] = action
        else:
            selected.setdefault(action, None)

    return selected


def find_overrides(
    session: Session,
    actions: Iterable[DataAction | str],
    *,
    include_checked_in: bool = True,
    scan_all: bool = False,
    cheapest: bool = False,
    progress: Progress | None = None,
) -> FlowImpact:
    """Find the flows that use each action and every published step that calls it.

    Costs one build-status read, one dependency query per action and
    object type (per page), one ``get_flow`` per consuming flow and one
    document read per distinct published flow version, however many of
    the actions it calls. When dependency tracking is not operational, or
    with ``scan_all``, every flow is listed and each of its versions read
    once instead (only the published one without ``include_checked_in``).
    ``progress`` is called with (documents read, documents to read).

    With ``cheapest``, when there are more dependency queries to make (two
    per action) than flow documents in the whole org, the flows are listed
    and every document read instead: fewer requests, and the same steps,
    since the documents are what the index is built from.
    """
    selected = _selected(actions)
    if not selected:
        return FlowImpact(actions={}, dependency_status="UNKNOWN")
    status = build_status(session)
    scanning = scan_all or status not in (OPERATIONAL, STALE)
    shared: list[str] = []
    warning = None if scan_all else status_warning(status, scanning=scanning)
    if warning:
        _warn(warning, status=status)
        shared.append(warning)

    collector = Collector(selected)
    queries = len(selected) * len(Via)
    listed = (
        list_flows_within(session, queries, include_checked_in)
        if cheapest and not scanning
        else None
    )
    if listed is not None:
        _log.info(
            "reading every flow document: fewer requests than %d dependency queries",
            queries,
            extra={"event": "flow_scan_chosen", "actions": len(selected)},
        )
        scanning = True
    if scanning:
        references = scan(session, collector, include_checked_in, progress, listed)
    else:
        references = follow_index(session, collector, include_checked_in, progress)
    impacts = {
        aid: impact_of(aid, references[aid], collector, shared, compare=not scanning)
        for aid in selected
    }
    # Notes about flows no selected action uses, such as a call-like step
    # without an action id found while scanning, belong to the whole run.
    named = {ref.flow_id for impact in impacts.values() for ref in impact.references}
    shared += [
        line
        for flow_id, lines in collector.notes.items()
        if flow_id not in named
        for line in lines
    ]

    return FlowImpact(
        actions=impacts,
        dependency_status=status,
        scanned=scanning,
        warnings=tuple(shared),
    )
