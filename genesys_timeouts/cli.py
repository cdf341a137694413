"""The ``genesys-timeouts`` command line: a thin layer over the library.

Exit codes: 0 done, 1 error, 2 bad usage or input, 3 partly done.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from . import _output as output
from ._actions import check_seconds, inspect_action, list_actions
from ._apply import STRATEGIES, ApplyReport, apply, resume, rollback
from ._errors import ConfigurationError, GenesysTimeoutsError, InvalidInputError
from ._journal import Journal, default_journal_path
from ._models import DataAction
from ._plan import Plan, Selection, plan_timeouts
from ._retry import RetryPolicy
from ._session import Session, connect
from .flows import FlowImpact, find_overrides

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3

#: The selection options that only narrow by timeout.
_TIMEOUT_FILTERS = ("timeout_equals", "timeout_below", "timeout_unset")


class Context:
    """What the global options chose, and the session built from them on demand."""

    def __init__(self, *, progress: bool, org: Any = None, **options: Any) -> None:
        self.progress = progress
        self.options = options
        self.sandbox: Any = org
        self._session: Session | None = None

    def session(self) -> Session:
        """Connect once, to a fresh sandbox or to the org the options name."""
        if self._session is not None:
            return self._session
        options = self.options
        if options["sandbox"]:
            if self.sandbox is None:
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


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in typeshed
    """The command line's log handler: whatever ``sys.stderr`` is when a record comes."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.setStream(sys.stderr)
        super().emit(record)


def _not_flow_impact(record: logging.LogRecord) -> bool:
    # The commands print every flow-impact warning in their own report.
    return getattr(record, "event", None) != "flow_impact"


def configure_logging(level: int) -> None:
    """Send the library's log to stderr at ``level``, replacing an earlier run's handler.

    Below ``--verbose``, flow-impact warnings are left to the commands'
    reports, so that each is said once.
    """
    logger = logging.getLogger("genesys_timeouts")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    if level >= logging.WARNING:
        handler.addFilter(_not_flow_impact)
    logger.addHandler(handler)
    logger.setLevel(level)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print one paragraph to stderr and leave with ``code``."""
    output.err.print(f"error: {message}", markup=False)
    sys.exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn library errors into a one-paragraph message and an exit code."""
    try:
        yield
    except (InvalidInputError, ConfigurationError) as exc:
        fail(str(exc), EXIT_USAGE)
    except GenesysTimeoutsError as exc:
        fail(str(exc), EXIT_ERROR)


def timeout_type(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> int | None:
    """Parse a timeout typed by a person: a whole number of seconds, 1 to 60."""
    if value is None:
        return None
    try:
        # Plain ASCII digits only: int() would also take "+10", "1_0" and
        # digits of other scripts, which a person did not mean as seconds.
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError(value)
        return check_seconds(int(text, 10))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a whole number of seconds from 1 to 60."
        ) from None


def _ids(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids:
        raise click.BadParameter("give one or more action ids, separated by commas.")

    return ids


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def stacked(
    function: Callable[..., Any], decorators: Sequence[Decorator]
) -> Callable[..., Any]:
    """``function`` under ``decorators``, the first one outermost (as written above a def)."""
    for decorator in reversed(decorators):
        function = decorator(function)

    return function


def selection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that select actions, shared by audit, plan and set."""
    options: list[Decorator] = [
        click.option("--name", help="Only actions whose name contains this text."),
        click.option("--category", help="Only actions in this category."),
        click.option(
            "--integration",
            "integration_id",
            help="Only actions of this integration id.",
        ),
        click.option(
            "--ids", callback=_ids, help="Only these action ids, separated by commas."
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
    return stacked(function, options)


def plan_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The target, the selection and the flow check, shared by plan and set."""
    options: list[Decorator] = [
        click.option(
            "--to",
            "to",
            required=True,
            callback=timeout_type,
            metavar="N",
            help="New timeout in seconds.",
        ),
        selection_options,
        click.option(
            "--all", "everything", is_flag=True, help="Consider every action."
        ),
        click.option(
            "--flows/--no-flows",
            "with_flows",
            default=True,
            show_default=True,
            help="Warn about flows that keep their own timeout (one dependency query "
            "per changed action).",
        ),
    ]
    return stacked(function, options)


def change_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how a change is written, shared by apply and set."""
    options: list[Decorator] = [
        click.option(
            "--journal",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Journal file to create (default: a new one named after the run, here).",
        ),
        click.option(
            "--include-drafts",
            is_flag=True,
            help="Also set the timeout in pending drafts (never publishing them).",
        ),
        click.option(
            "--strategy",
            type=click.Choice(STRATEGIES),
            default="patch",
            show_default=True,
            help="patch: write the published action; draft: validate through a draft, then publish.",
        ),
        click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation."),
        click.option(
            "--json", "as_json", is_flag=True, help="Print the report as JSON."
        ),
    ]
    return stacked(function, options)


def selected_actions(session: Session, filters: dict[str, Any]) -> list[DataAction]:
    """The actions the selection options pick, sorted by name.

    Ids given with ``--ids`` that name no action are said in a warning, so
    a mistyped id does not pass for an action with nothing to change.
    """
    actions = list(list_actions(session, **filters))
    found = {action.id for action in actions}
    missing = [i for i in filters.get("ids") or () if i not in found]
    if missing:
        output.print_warnings(
            [
                f"no data action has the id {', '.join(missing)}; "
                "`genesys-timeouts audit` lists the ids."
            ]
        )

    return sorted(actions, key=lambda a: (a.name.lower(), a.id))


def read_impact(
    context: Context, actions: Sequence[DataAction], label: str
) -> FlowImpact:
    """The flows that use ``actions``, with a progress bar while documents are read."""
    with output.progress_bar(label, context.progress) as update:
        return find_overrides(
            context.session(), actions, cheapest=True, progress=update
        )


def confirm(question: str, yes: bool) -> None:
    """Ask before changing anything; leave with exit 1 on no."""
    if yes:
        return
    try:
        answer = click.confirm(question, default=False, err=True)
    except click.Abort:
        answer = False
    if not answer:
        fail("nothing was changed (answer y to go ahead, or pass --yes).", EXIT_ERROR)


def finish(report: ApplyReport, as_json: bool) -> NoReturn:
    """Print what a run did and leave with its exit code (3 when partly done)."""
    if as_json:
        output.echo_json(report.to_dict())
    else:
        output.out.print(report.describe(), markup=False)
    sys.exit(report.exit_code)


def run_apply(
    context: Context,
    plan: Plan,
    *,
    journal: Path | None,
    include_drafts: bool,
    strategy: str,
    yes: bool,
    as_json: bool,
) -> NoReturn:
    """Confirm, then apply ``plan`` through a new journal and report."""
    if not plan.changes:
        output.err.print("Nothing to change.", markup=False)
        sys.exit(EXIT_OK)
    confirm(f"Set the timeout of {len(plan.changes)} action(s) now?", yes)
    path = journal or default_journal_path()
    output.err.print(f"Journal: {path}", markup=False)
    try:
        with (
            reported_errors(),
            output.progress_bar("Applying", context.progress) as update,
        ):
            report = apply(
                context.session(),
                plan,
                journal=path,
                include_drafts=include_drafts,
                strategy=strategy,
                progress=update,
            )
    except KeyboardInterrupt:
        fail(
            f"interrupted. What was done is recorded in the journal {path}: finish "
            f"with `genesys-timeouts apply --resume {path}`, or undo it with "
            f"`genesys-timeouts rollback {path}`.",
            EXIT_ERROR,
        )
    finish(report, as_json)


def build_plan(
    context: Context,
    to: int,
    filters: dict[str, Any],
    *,
    everything: bool,
    with_flows: bool,
) -> tuple[Plan, FlowImpact | None]:
    """List the selected actions, plan the change, and read the flows it affects."""
    if not everything and not any(filters.values()):
        fail(
            "say which actions to change (--where-timeout, --below, --unset, --ids, "
            "--name, --category or --integration), or pass --all.",
            EXIT_USAGE,
        )
    listing = {k: v for k, v in filters.items() if k not in _TIMEOUT_FILTERS}
    with reported_errors():
        where = Selection(
            ids=filters["ids"],
            name_contains=filters["name"],
            timeout_equals=filters["timeout_equals"],
            timeout_below=filters["timeout_below"],
            timeout_unset=filters["timeout_unset"],
        )
        actions = selected_actions(context.session(), listing)
        plan = plan_timeouts(actions, to=to, where=where)
        changing = {c.action_id for c in plan.changes}
        impact = (
            read_impact(
                context, [a for a in actions if a.id in changing], "Reading flows"
            )
            if changing and with_flows
            else None
        )

    return plan, impact


def show_plan(
    plan: Plan, impact: FlowImpact | None, *, on_stderr: bool = False
) -> None:
    """The change list on stdout (stderr when stdout carries JSON), flow warnings on stderr."""
    (output.err if on_stderr else output.out).print(plan.describe(), markup=False)
    if impact is not None:
        names = {c.action_id: c.name for c in plan.changes}
        output.print_flow_warnings(names, impact, plan.to_seconds)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--region",
    help="Region of the org: us_east_1, us-east-1, mypurecloud.ie, ... "
    "[env GENESYSCLOUD_REGION, else GENESYS_BASE_URL; the option wins]",
)
@click.option(
    "--base-url",
    help="Full API base URL, e.g. a gateway or http://127.0.0.1:8765. "
    "[env GENESYS_BASE_URL; the option wins]",
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
    "--sandbox",
    is_flag=True,
    help="Run against a fresh in-process sandbox org instead of Genesys Cloud.",
)
@click.option(
    "--sandbox-seed",
    type=int,
    default=7,
    show_default=True,
    help="With --sandbox: the seed of the generated org.",
)
@click.option(
    "--sandbox-actions",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="With --sandbox: how many data actions the org has.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log sign-ins, retries and changes to stderr (-vv: each request too).",
)
@click.option("--no-progress", is_flag=True, help="Never draw a progress bar.")
@click.version_option(package_name="genesys-timeouts")
@click.pass_context
def main(
    ctx: click.Context, /, verbose: int, no_progress: bool, **options: Any
) -> None:
    """Audit Genesys Cloud data-action timeouts and raise them safely.

    Exit codes: 0 done, 1 error, 2 bad usage or input, 3 partly done.
    """
    if options["sandbox"] and (options["base_url"] or options["region"]):
        # The environment may name a real org; --sandbox wins over it, but
        # both on the command line is a mistake worth saying.
        source = (
            ctx.get_parameter_source("base_url"),
            ctx.get_parameter_source("region"),
        )
        if click.core.ParameterSource.COMMANDLINE in source:
            raise click.UsageError(
                "--sandbox cannot be combined with --region or --base-url."
            )
    configure_logging([logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])
    # A program running this command line in-process (a test, a notebook)
    # may hand over its own sandbox org as ``obj``, to look at it afterwards.
    ctx.obj = Context(progress=not no_progress, org=ctx.obj, **options)


@main.command()
@selection_options
@click.option(
    "--flows/--no-flows",
    "with_flows",
    default=False,
    help="Add the flows using each action, those overriding its timeout, and the "
    "lowest override (one dependency query per action).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@pass_context
def audit(
    context: Context, /, with_flows: bool, as_json: bool, as_csv: bool, **filters: Any
) -> None:
    """List data actions with their timeouts, and count them per value."""
    if as_json and as_csv:
        fail("choose one of --json and --csv.", EXIT_USAGE)
    with reported_errors():
        actions = selected_actions(context.session(), filters)
        impact = read_impact(context, actions, "Reading flows") if with_flows else None
    if as_json:
        document: dict[str, Any] = {
            "actions": output.audit_rows(actions, impact),
            "timeout_counts": output.timeout_counts(actions),
        }
        if impact is not None:
            document["flow_warnings"] = list(impact.warnings)
        output.echo_json(document)
    elif as_csv:
        output.print_csv(output.audit_rows(actions, impact))
    else:
        output.print_audit_table(actions, impact)


@main.command()
@click.argument("action_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show(context: Context, /, action_id: str, as_json: bool) -> None:
    """Show one action: timeout, whole config, contract and pending draft."""
    with reported_errors():
        detail = inspect_action(context.session(), action_id)
    if as_json:
        output.echo_json(
            {
                "action": detail.action.to_dict(),
                "config": detail.config,
                "contract": detail.contract,
                "draft": detail.draft,
            }
        )
    else:
        output.print_detail(detail)


@main.command()
@click.argument("action_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def flows(context: Context, /, action_id: str, as_json: bool) -> None:
    """Show the flows that call one action, and which of them override its timeout."""
    with reported_errors():
        action = inspect_action(context.session(), action_id).action
        impact = read_impact(context, [action], "Reading flows")
    if as_json:
        output.echo_json({"action": action.to_dict(), **impact[action.id].to_dict()})
    else:
        output.print_impact(action, impact[action.id])


@main.command(name="plan")
@plan_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan as JSON to this file, for `apply`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_context
def plan_command(
    context: Context,
    /,
    to: int,
    everything: bool,
    with_flows: bool,
    out: Path | None,
    as_json: bool,
    **filters: Any,
) -> None:
    """Show what `set` would change, and optionally save it for `apply`."""
    plan, impact = build_plan(
        context, to, filters, everything=everything, with_flows=with_flows
    )
    if as_json:
        click.echo(plan.to_json(), nl=False)
        if impact is not None:
            names = {c.action_id: c.name for c in plan.changes}
            output.print_flow_warnings(names, impact, plan.to_seconds)
    else:
        show_plan(plan, impact)
    if out is not None:
        try:
            with out.open("x", encoding="utf-8") as handle:
                handle.write(plan.to_json())
        except OSError as exc:
            fail(f"cannot write the plan to {out}: {exc.strerror}.", EXIT_USAGE)
        output.err.print(
            f"Plan written to {out}; apply it with `genesys-timeouts apply {out}`.",
            markup=False,
        )


@main.command(name="set")
@plan_options
@click.option("--dry-run", is_flag=True, help="Only show the change list.")
@change_options
@pass_context
def set_command(
    context: Context,
    /,
    to: int,
    everything: bool,
    with_flows: bool,
    dry_run: bool,
    journal: Path | None,
    include_drafts: bool,
    strategy: str,
    yes: bool,
    as_json: bool,
    **filters: Any,
) -> None:
    """Set the timeout of the selected actions: plan, confirm, apply."""
    plan, impact = build_plan(
        context, to, filters, everything=everything, with_flows=with_flows
    )
    show_plan(plan, impact, on_stderr=as_json)
    if dry_run:
        output.err.print("Dry run: nothing was changed.", markup=False)
        return
    run_apply(
        context,
        plan,
        journal=journal,
        include_drafts=include_drafts,
        strategy=strategy,
        yes=yes,
        as_json=as_json,
    )


@main.command(name="apply")
@click.argument(
    "plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--resume",
    "resume_journal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Finish the run this journal records, instead of applying a plan.",
)
@change_options
@pass_context
def apply_command(
    context: Context,
    /,
    plan_file: Path | None,
    resume_journal: Path | None,
    journal: Path | None,
    include_drafts: bool,
    strategy: str,
    yes: bool,
    as_json: bool,
) -> None:
    """Apply a plan file written by `plan --out`, or resume a journal."""
    if (plan_file is None) == (resume_journal is None):
        fail("give either a plan file or --resume JOURNAL.", EXIT_USAGE)
    if resume_journal is not None:
        with (
            reported_errors(),
            output.progress_bar("Resuming", context.progress) as update,
        ):
            report = resume(context.session(), resume_journal, progress=update)
        finish(report, as_json)
    assert plan_file is not None  # one of the two was given, checked above
    try:
        text = plan_file.read_bytes()
    except OSError as exc:
        fail(f"cannot read the plan {plan_file}: {exc.strerror}.", EXIT_USAGE)
    with reported_errors():
        plan = Plan.from_json(text)
    show_plan(plan, None, on_stderr=as_json)
    run_apply(
        context,
        plan,
        journal=journal,
        include_drafts=include_drafts,
        strategy=strategy,
        yes=yes,
        as_json=as_json,
    )


@main.command(name="rollback")
@click.argument("journal", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def rollback_command(
    context: Context, /, journal: Path, yes: bool, as_json: bool
) -> None:
    """Put back the timeouts a journal's run replaced, where ours are still there."""
    with reported_errors(), Journal.open(journal) as opened:
        output.print_journal(opened)
    confirm("Put the previous timeouts back now?", yes)
    with (
        reported_errors(),
        output.progress_bar("Rolling back", context.progress) as update,
    ):
        report = rollback(context.session(), journal, progress=update)
    finish(report, as_json)


@main.group(name="journal")
def journal_group() -> None:
    """Read journals of earlier runs."""


@journal_group.command(name="show")
@click.argument("journal", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def journal_show(journal: Path, as_json: bool) -> None:
    """Show what a run did, write by write (no connection needed)."""
    with reported_errors(), Journal.open(journal) as opened:
        if as_json:
            output.echo_json(opened.to_dict())
        else:
            output.print_journal(opened)


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
