"""The ``genesys-timeouts`` command line: a thin layer over the library.

Exit codes: 0 done, 1 error, 2 bad usage or input, 3 partly done.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ._actions import check_seconds, inspect_action, list_actions
from ._errors import GenesysTimeoutsError, InvalidInputError
from ._models import DataAction
from ._retry import RetryPolicy
from ._session import Session, connect

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


class Context:
    """What the global options chose, and the session built from them on demand."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.sandbox: Any = None
        self._session: Session | None = None

    def session(self) -> Session:
        """Connect once, to the sandbox or to the org the options name."""
        if self._session is not None:
            return self._session
        options = self.options
        if options["sandbox"]:
            from .sandbox import Sandbox

            self.sandbox = Sandbox(
                seed=options["sandbox_seed"], actions=options["sandbox_actions"]
            )
            self._session = connect(
                self.sandbox.client_id,
                self.sandbox.client_secret,
                self.sandbox.base_url,
                wsgi_app=self.sandbox.app,
                retry=RetryPolicy(),
            )
        else:
            self._session = connect(
                options["client_id"],
                None,
                options["base_url"] or options["region"],
                timeout_seconds=options["request_timeout"],
            )

        return self._session


pass_context = click.make_pass_decorator(Context)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print one paragraph to stderr and leave with ``code``."""
    _err.print(f"error: {message}", markup=False)
    sys.exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn library errors into a one-paragraph message and an exit code."""
    try:
        yield
    except InvalidInputError as exc:
        fail(str(exc), EXIT_USAGE)
    except GenesysTimeoutsError as exc:
        fail(str(exc), EXIT_ERROR)


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields a ``(done, total)`` callback."""
    if not enabled or not _err.is_terminal:
        yield lambda _done, _total: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=_err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _timeout_option(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return check_seconds(int(value, 10))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a whole number of seconds from 1 to 60."
        ) from None


def timeout_type(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> int | None:
    """Parse a timeout typed by a person: a whole number of seconds, 1 to 60."""
    return _timeout_option(value)


def _ids(value: str | None) -> list[str] | None:
    if value is None:
        return None
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids:
        raise click.BadParameter("give one or more action ids, separated by commas.")
    return ids


def selection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that select actions, shared by audit, set and plan."""
    options = [
        click.option("--name", help="Only actions whose name contains this text."),
        click.option("--category", help="Only actions in this category."),
        click.option(
            "--integration",
            "integration_id",
            help="Only actions of this integration id.",
        ),
        click.option(
            "--ids",
            callback=lambda _c, _p, v: _ids(v),
            help="Only these action ids, separated by commas.",
        ),
        click.option(
            "--where-timeout",
            "timeout_equals",
            callback=timeout_type,
            metavar="N",
            help="Only actions whose timeout is set to exactly N seconds.",
        ),
        click.option(
            "--below",
            "timeout_below",
            callback=timeout_type,
            metavar="N",
            help="Only actions whose effective timeout is below N seconds (unset counts as 60).",
        ),
        click.option(
            "--unset",
            "timeout_unset",
            is_flag=True,
            help="Only actions with no timeout set.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def selected_actions(session: Session, filters: dict[str, Any]) -> list[DataAction]:
    """The actions the selection options pick, sorted by name."""
    actions = list(list_actions(session, **filters))
    return sorted(actions, key=lambda a: (a.name.lower(), a.id))


def _timeout_text(action: DataAction) -> str:
    if action.timeout_seconds is None:
        return "unset (60)"
    return str(action.timeout_seconds)


def print_table(actions: Sequence[DataAction]) -> None:
    """The audit as a table, followed by a count per timeout value."""
    table = Table(title=f"{len(actions)} data actions", title_justify="left")
    for column in ("name", "category", "timeout s", "kind", "draft", "editable", "id"):
        table.add_column(column, overflow="fold")
    for action in actions:
        table.add_row(
            action.name,
            action.category,
            _timeout_text(action),
            action.kind.value,
            "pending" if action.has_draft else "",
            "yes" if action.editable else "no",
            action.id,
        )
    _out.print(table)
    _out.print(timeout_counts_line(actions))


def timeout_counts(actions: Sequence[DataAction]) -> dict[str, int]:
    """How many actions have each timeout value, ``unset`` last."""
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


def print_csv(actions: Sequence[DataAction]) -> None:
    """The audit as CSV on stdout."""
    buffer = io.StringIO()
    rows = [a.to_dict() for a in actions]
    fields = list(rows[0]) if rows else list(DataAction.__attrs_attrs__.__dict__)
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(buffer.getvalue(), nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--region",
    envvar="GENESYSCLOUD_REGION",
    help="Region of the org: us_east_1, us-east-1, mypurecloud.ie, ... [env GENESYSCLOUD_REGION]",
)
@click.option(
    "--base-url",
    envvar="GENESYS_BASE_URL",
    help="Full API base URL, e.g. a gateway or http://127.0.0.1:8765. [env GENESYS_BASE_URL]",
)
@click.option(
    "--client-id",
    help="OAuth client id. [env GENESYSCLOUD_OAUTHCLIENT_ID or GENESYS_CLIENT_ID]; "
    "the secret is read only from GENESYSCLOUD_OAUTHCLIENT_SECRET or GENESYS_CLIENT_SECRET.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each HTTP response.",
)
@click.option(
    "--sandbox", is_flag=True, help="Run against a fresh in-process sandbox org."
)
@click.option("--sandbox-seed", type=int, default=7, show_default=True, hidden=True)
@click.option(
    "--sandbox-actions",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    hidden=True,
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log requests and retries to stderr (-vv: more).",
)
@click.option("--no-progress", is_flag=True, help="Never draw a progress bar.")
@click.version_option(package_name="genesys-timeouts")
@click.pass_context
def main(ctx: click.Context, /, verbose: int, no_progress: bool, **options: Any) -> None:
    """Audit Genesys Cloud data-action timeouts and raise them safely."""
    level = (
        logging.WARNING
        if verbose == 0
        else logging.INFO
        if verbose == 1
        else logging.DEBUG
    )
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    ctx.obj = Context(progress=not no_progress, **options)


@main.command()
@selection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@pass_context
def audit(context: Context, /, as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List data actions with their timeouts, and count them per value."""
    if as_json and as_csv:
        fail("choose one of --json and --csv.", EXIT_USAGE)
    with reported_errors():
        actions = selected_actions(context.session(), filters)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "actions": [a.to_dict() for a in actions],
                    "timeout_counts": timeout_counts(actions),
                },
                indent=2,
            )
        )
    elif as_csv:
        print_csv(actions)
    else:
        print_table(actions)


@main.command()
@click.argument("action_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show(context: Context, action_id: str, as_json: bool) -> None:
    """Show one action: timeout, whole config, contract and pending draft."""
    with reported_errors():
        detail = inspect_action(context.session(), action_id)
    document = {
        "action": detail.action.to_dict(),
        "config": detail.config,
        "contract": detail.contract,
        "draft": detail.draft,
    }
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    action = detail.action
    _out.print(f"[bold]{action.name}[/bold]  ({action.id})")
    _out.print(f"category: {action.category}   integration: {action.integration_id}")
    _out.print(
        f"kind: {action.kind.value}   version: {action.version}   secure: {action.secure}"
    )
    _out.print(f"timeout: {_timeout_text(action)} s", markup=False)
    if not action.editable:
        _out.print(f"not editable: {action.not_editable_reason}", markup=False)
    if detail.draft is not None:
        _out.print(
            f"pending draft: version {detail.draft.get('version')}, timeout "
            f"{detail.draft_timeout_seconds or 'unset'}",
            markup=False,
        )
    _out.print_json(json.dumps({"config": detail.config}))


@main.group()
def sandbox() -> None:
    """Run the built-in sandbox org."""


@sandbox.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--actions", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def serve(port: int, actions: int, seed: int) -> None:
    """Serve a seeded sandbox org on loopback until interrupted."""
    from .sandbox import Sandbox, run_server

    run_server(Sandbox(seed=seed, actions=actions), host="127.0.0.1", port=port)


if __name__ == "__main__":  # pragma: no cover  # exercised through __main__.py
    main()
