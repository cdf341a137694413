"""How the command line shows things: tables, CSV, JSON and progress bars.

Only the command line imports this module; it needs the ``cli`` extra
(click and rich).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ._flowdoc import format_seconds
from ._journal import Journal
from ._models import ActionDetail, DataAction
from .flows import ActionImpact, FlowImpact

#: Wide enough for ids and names when the output goes to a file or a pipe.
_PIPE_WIDTH = 200

out = Console(
    highlight=False,
    soft_wrap=True,
    width=None if sys.stdout.isatty() else _PIPE_WIDTH,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: The audit's flow columns, in order.
FLOW_COLUMNS = ("flows", "overriding", "lowest override")


def echo_json(document: object) -> None:
    """Print ``document`` as indented JSON on stdout."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, drawn only on a terminal; yields ``(done, total)``."""
    if not enabled or not err.is_terminal:
        yield lambda _done, _total: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def timeout_text(seconds: int | None) -> str:
    """``10``, or ``unset (60)`` for an action with no timeout of its own."""
    return "unset (60)" if seconds is None else str(seconds)


def timeout_counts(actions: Sequence[DataAction]) -> dict[str, int]:
    """How many actions have each timeout value, in rising order, ``unset`` last."""
    counts = Counter(
        "unset" if a.timeout_seconds is None else str(a.timeout_seconds)
        for a in actions
    )
    ordered = sorted((k for k in counts if k != "unset"), key=int)
    if "unset" in counts:
        ordered.append("unset")

    return {key: counts[key] for key in ordered}


def timeout_counts_line(actions: Sequence[DataAction]) -> str:
    """``Timeouts: 3 s x 12, 5 s x 4, unset x 80``."""
    parts = [
        f"{key} x {count}" if key == "unset" else f"{key} s x {count}"
        for key, count in timeout_counts(actions).items()
    ]

    return "Timeouts: " + (", ".join(parts) or "none")


def flow_cells(impact: ActionImpact | None) -> dict[str, Any]:
    """The audit's flow columns for one action, as plain values."""
    if impact is None:
        return dict.fromkeys(FLOW_COLUMNS)
    lowest = impact.lowest_override_seconds

    return {
        "flows": impact.flows_using,
        "overriding": impact.flows_overriding,
        "lowest override": None if lowest is None else format_seconds(lowest),
    }


def audit_rows(
    actions: Sequence[DataAction], impact: FlowImpact | None
) -> list[dict[str, Any]]:
    """One JSON-ready row per action, with the flow columns when they were read."""
    rows = []
    for action in actions:
        row = action.to_dict()
        if impact is not None:
            cells = flow_cells(impact.actions.get(action.id))
            row["flows_using"] = cells["flows"]
            row["flows_overriding"] = cells["overriding"]
            row["lowest_override_seconds"] = impact[action.id].lowest_override_seconds
        rows.append(row)

    return rows


def print_audit_table(actions: Sequence[DataAction], impact: FlowImpact | None) -> None:
    """The audit as a table, followed by a count per timeout value."""
    table = Table(title=f"{len(actions)} data actions", title_justify="left")
    columns = ["name", "category", "timeout s", "kind", "draft", "editable"]
    if impact is not None:
        columns += FLOW_COLUMNS
    for column in (*columns, "id"):
        table.add_column(column, overflow="fold")
    for action in actions:
        cells = [
            action.name,
            action.category,
            timeout_text(action.timeout_seconds),
            action.kind.value,
            "pending" if action.has_draft else "",
            "yes" if action.editable else "no",
        ]
        if impact is not None:
            values = flow_cells(impact.actions.get(action.id))
            cells += ["" if v is None else str(v) for v in values.values()]
        table.add_row(*cells, action.id)
    out.print(table)
    out.print(timeout_counts_line(actions))
    if impact is not None:
        for action in actions:
            if action.id in impact.actions:
                print_own_warnings(action.name, action.id, impact)
        print_warnings(impact.warnings)


def print_csv(rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows as CSV on stdout, with a header line."""
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else ["id"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(buffer.getvalue(), nl=False)


def print_warnings(warnings: Sequence[str]) -> None:
    """Each warning on stderr, once."""
    for warning in dict.fromkeys(warnings):
        err.print(f"warning: {warning}", markup=False)


def print_detail(detail: ActionDetail) -> None:
    """One action in full: its facts, its pending draft and its whole config."""
    action = detail.action
    out.print(f"{action.name}  ({action.id})", markup=False, style="bold")
    out.print(
        f"category: {action.category}   integration: {action.integration_id}",
        markup=False,
    )
    out.print(
        f"kind: {action.kind.value}   version: {action.version}   secure: {action.secure}",
        markup=False,
    )
    out.print(f"timeout: {timeout_text(action.timeout_seconds)} s", markup=False)
    if not action.editable:
        out.print(f"not editable: {action.not_editable_reason}", markup=False)
    if detail.draft is not None:
        out.print(
            f"pending draft: version {detail.draft.get('version')}, timeout "
            f"{timeout_text(detail.draft_timeout_seconds)}",
            markup=False,
        )
    out.print_json(json.dumps({"config": detail.config}))


def print_impact(action: DataAction, impact: ActionImpact) -> None:
    """The flows that use one action, and every step that calls it."""
    out.print(
        f"{action.name} ({action.id}): timeout {timeout_text(action.timeout_seconds)} s, "
        f"used by {impact.flows_using} flow(s), {impact.flows_overriding} overriding it.",
        markup=False,
    )
    table = Table(title_justify="left")
    for column in ("flow", "type", "version", "state", "step", "own timeout"):
        table.add_column(column, overflow="fold")
    for step in impact.steps:
        table.add_row(
            step.flow_name,
            step.flow_type,
            step.flow_version,
            step.state.value,
            step.location,
            _own_timeout(step.overrides, step.timeout_seconds, step.expression)
            if step.problem is None
            else f"unreadable: {step.problem}",
        )
    stepped = {step.flow_id for step in impact.steps}
    for ref in impact.references:
        if ref.flow_id not in stepped:
            table.add_row(
                ref.flow_name,
                ref.flow_type,
                ref.flow_version,
                ref.state.value,
                "(no calling step found in its document)",
                "",
            )
    if impact.steps or impact.references:
        out.print(table)
    print_warnings(impact.warnings)


def _own_timeout(overrides: bool, seconds: float | None, expression: str | None) -> str:
    if not overrides:
        return "no (uses the action's)"
    if seconds is not None:
        return format_seconds(seconds)

    return f"expression {expression}"


def print_flow_warnings(
    names: Mapping[str, str], impact: FlowImpact, to_seconds: int
) -> None:
    """Per action, the flows that will not see ``to_seconds`` and why.

    Then what could not be checked: each action's own warnings (a flow
    that could not be read, a stale index) and those of the whole run.
    """
    for action_id, name in names.items():
        ignoring = impact.flows_ignoring(action_id, to_seconds)
        if ignoring:
            err.print(
                f"warning: {len(ignoring)} flow step(s) will not see {to_seconds} s "
                f"for {name} ({action_id}):",
                markup=False,
            )
        for _step, reason in ignoring:
            err.print(f"  - {reason}", markup=False)
        print_own_warnings(name, action_id, impact)
    print_warnings(impact.warnings)


def print_own_warnings(name: str, action_id: str, impact: FlowImpact) -> None:
    """The action's own flow warnings (a flow that could not be read, a stale index), not the run-wide ones."""
    for line in impact.warnings_for(action_id):
        if line not in impact.warnings:
            err.print(f"warning: {name} ({action_id}): {line}", markup=False)


def print_journal(journal: Journal) -> None:
    """A journal's header, its counts and one row per write."""
    document = journal.to_dict()
    out.print(
        f"Journal {document['path']}: status {document['status']}, target "
        f"{document['to_seconds']} s, strategy {document['strategy']}, "
        f"created {document['created_at']}",
        markup=False,
    )
    out.print(
        f"org {document['base_url']}, client {document['client_id']}", markup=False
    )
    table = Table(title_justify="left")
    columns = ("phase", "target", "outcome", "name", "from", "to", "detail", "id")
    for column in columns:
        table.add_column(column, overflow="fold")
    for entry in document["entries"]:
        table.add_row(
            entry["phase"],
            entry["target"],
            entry["outcome"] or entry["state"],
            entry["name"],
            timeout_text(entry["from_seconds"]),
            timeout_text(entry["to_seconds"]),
            entry["detail"],
            entry["action_id"],
        )
    out.print(table)
