"""The command line, run in-process against a sandbox org the tests can inspect."""

from __future__ import annotations

import collections
import copy
import csv
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from genesys_timeouts import _output as output
from genesys_timeouts import cli
from genesys_timeouts import sandbox as sandbox_module
from genesys_timeouts.sandbox import Sandbox
from tests.flows.flow_helpers import call_step, republish

Json = dict[str, Any]

#: Every name the library reads credentials or a region from.
CREDENTIAL_ENV = (
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "GENESYS_CLIENT_ID",
    "GENESYS_CLIENT_SECRET",
    "GENESYS_BASE_URL",
)


#: The README's job: raise every 3 s timeout to 10 s, without asking.
TUTORIAL_JOB = ("set", "--where-timeout", "3", "--to", "10", "--yes")


@pytest.fixture
def sb() -> Sandbox:
    """The org every ``--sandbox`` run in this test talks to (one instance, inspectable)."""
    return Sandbox(seed=7, actions=300, flows=40, rate_limit_per_minute=None)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials or region in the environment."""
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in its own directory, where default journals land."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, input: str | None = None, org: Sandbox | None = None) -> Result:
    """Run the command line in-process, stdout and stderr kept apart."""
    return CliRunner().invoke(cli.main, ["--no-progress", *args], input=input, obj=org)


def run_in(org: Sandbox, *args: str, input: str | None = None) -> Result:
    """Run a command with ``--sandbox`` against ``org``."""
    return run("--sandbox", *args, input=input, org=org)


def timeouts(sb: Sandbox) -> dict[str, int | None]:
    """Every published action's timeout, platform side."""
    return {
        aid: (a.get("config") or {}).get("timeoutSeconds")
        for aid, a in sb.actions.items()
    }


def without_timeout(raw: Json) -> Json:
    """An action minus its timeout and version, to compare everything else."""
    rest = copy.deepcopy(raw)
    rest.pop("version", None)
    rest.get("config", {}).pop("timeoutSeconds", None)

    return rest


def test_audit_table_lists_every_action_and_counts_timeouts(sb: Sandbox) -> None:
    """The default audit shows every action and a count per timeout value."""
    result = run_in(sb, "audit")

    assert 0 == result.exit_code, result.stderr
    expected = sum(1 for t in timeouts(sb).values() if t == 3)
    assert f"3 s x {expected}" in result.stdout
    assert f"{len(sb.actions)} data actions" in result.stdout


def test_audit_json_matches_the_platform(sb: Sandbox) -> None:
    """Every action appears in the JSON audit with the timeout the platform holds."""
    result = run_in(sb, "audit", "--json")

    assert 0 == result.exit_code, result.stderr
    document = json.loads(result.stdout)
    seen = {row["id"]: row["timeout_seconds"] for row in document["actions"]}
    assert timeouts(sb) == seen
    assert sum(document["timeout_counts"].values()) == len(sb.actions)


def test_audit_filters_by_timeout(sb: Sandbox) -> None:
    """``--where-timeout 3`` lists exactly the actions set to 3 s."""
    result = run_in(sb, "audit", "--json", "--where-timeout", "3")

    assert 0 == result.exit_code, result.stderr
    ids = {row["id"] for row in json.loads(result.stdout)["actions"]}
    assert {aid for aid, t in timeouts(sb).items() if t == 3} == ids


def test_audit_csv_has_a_header_and_a_row_per_action(sb: Sandbox) -> None:
    """CSV output parses back into one row per action."""
    result = run_in(sb, "audit", "--csv", "--unset")

    assert 0 == result.exit_code, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {aid for aid, t in timeouts(sb).items() if t is None} == {
        row["id"] for row in rows
    }


def test_audit_with_flows_counts_the_flows_of_each_action(sb: Sandbox) -> None:
    """``--flows`` adds per-action flow counts that agree with the dependency index."""
    result = run_in(sb, "audit", "--json", "--flows", "--where-timeout", "3")

    assert 0 == result.exit_code, result.stderr
    for row in json.loads(result.stdout)["actions"]:
        kind = "SECUREACTION" if row["secure"] else "DATAACTION"
        published = {
            flow
            for flow, _version, state in sb.dependencies.get((kind, row["id"]), [])
            if state == "published"
        }
        assert (row["id"], len(published)) == (row["id"], row["flows_using"])
    assert any(row["flows_overriding"] for row in json.loads(result.stdout)["actions"])


def test_a_new_override_shows_in_the_audit_and_the_flows_table(sb: Sandbox) -> None:
    """A flow step overriding with 1.5 s is the action's lowest override, in the audit and in ``flows``."""
    action_id, flow_id = next(
        (aid, flow)
        for (kind, aid), rows in sb.dependencies.items()
        for flow, _version, state in rows
        if kind == "DATAACTION" and state == "published"
    )
    flow = sb.flows[flow_id]
    assert flow.published_version is not None
    document = copy.deepcopy(flow.documents[flow.published_version])
    step = call_step(
        action_id, use_suggested=False, text="P0D0H0M0S1500F", name="Quick lookup"
    )
    document["flowSequenceItemList"][0]["actionList"].append(step)
    republish(sb, flow_id, document)

    audited = run_in(sb, "audit", "--json", "--flows", "--ids", action_id)
    table = run_in(sb, "flows", action_id)

    assert 0 == audited.exit_code, audited.stderr
    (row,) = json.loads(audited.stdout)["actions"]
    assert 1.5 == row["lowest_override_seconds"]
    assert 0 == table.exit_code, table.stderr
    assert "Quick lookup" in table.stdout
    assert "1.5 s" in table.stdout


def test_journal_show_table_lists_each_write(sb: Sandbox) -> None:
    """``journal show`` prints a row per write with its outcome and new timeout."""
    few = sorted(aid for aid, t in timeouts(sb).items() if t == 5)[:2]
    applied = run_in(
        sb,
        "set",
        "--ids",
        ",".join(few),
        "--to",
        "20",
        "--yes",
        "--journal",
        "j.sqlite",
    )
    shown = run("journal", "show", "j.sqlite")

    assert 0 == applied.exit_code, applied.stderr
    assert 0 == shown.exit_code, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if line.startswith("│ apply")]
    assert 2 == len(rows), shown.stdout
    cells = [[cell.strip() for cell in row.split("│")[1:-1]] for row in rows]
    assert {("action", "applied", "5", "20")} == {
        (c[1], c[2], c[4], c[5]) for c in cells
    }
    assert set(few) == {c[-1] for c in cells}


def test_audit_says_each_flow_warning_once(sb: Sandbox) -> None:
    """With dependency tracking not built, the audit says so once, and names actions only a checked-in flow calls."""
    sb.dependency_build_status = "NOTBUILT"
    result = run_in(sb, "audit", "--flows")

    assert 0 == result.exit_code, result.stderr
    assert 1 == result.stderr.count("dependency tracking is NOTBUILT")
    assert "only its checked-in version" in result.stderr


def test_verbosity_levels_log_changes_then_requests(sb: Sandbox) -> None:
    """``-v`` logs the change but not each request; ``-vv`` logs each request too."""
    five = sorted(aid for aid, t in timeouts(sb).items() if t == 5)
    once = run_in(sb, "-v", "set", "--ids", five[0], "--to", "20", "--yes")
    twice = run_in(sb, "-vv", "set", "--ids", five[1], "--to", "20", "--yes")

    assert (0, 0) == (once.exit_code, twice.exit_code), once.stderr + twice.stderr
    assert f"timeout of {five[0]} changed from 5 to 20" in once.stderr
    assert "request patch_integrations_action" not in once.stderr
    assert "request patch_integrations_action" in twice.stderr


def test_an_unknown_id_in_a_selection_is_named(sb: Sandbox) -> None:
    """An id in ``--ids`` that names no action gets a warning naming it."""
    unknown = "custom_-_00000000-0000-0000-0000-000000000000"
    known = sorted(aid for aid, t in timeouts(sb).items() if t == 5)[0]
    result = run_in(sb, "plan", "--ids", f"{known},{unknown}", "--to", "20")

    assert 0 == result.exit_code, result.stderr
    (warning,) = [x for x in result.stderr.splitlines() if "no data action" in x]
    assert f"no data action has the id {unknown};" in warning
    assert known not in warning


def test_an_interrupted_set_says_how_to_resume(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while applying exits 1 and names the journal and the command that resumes it."""

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "apply", interrupted)
    result = run_in(
        sb,
        *TUTORIAL_JOB,
        "--journal",
        "j.sqlite",
    )

    assert 1 == result.exit_code, result.stderr
    assert "genesys-timeouts apply --resume j.sqlite" in result.stderr


def test_progress_is_drawn_on_stderr_of_a_terminal(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, applying draws a progress bar on stderr, never on stdout."""
    terminal = io.StringIO()
    monkeypatch.setattr(
        output, "err", Console(file=terminal, force_terminal=True, width=100)
    )
    result = CliRunner().invoke(
        cli.main,
        ["--sandbox", *TUTORIAL_JOB],
        obj=sb,
    )

    assert 0 == result.exit_code, result.output
    assert "Applying" in terminal.getvalue()
    assert "Applying" not in result.stdout


def test_json_and_csv_together_is_a_usage_error(sb: Sandbox) -> None:
    """Asking for two formats at once exits 2 with one line of advice."""
    result = run_in(sb, "audit", "--json", "--csv")

    assert 2 == result.exit_code
    assert "choose one of --json and --csv" in result.stderr


def test_show_prints_the_whole_config(sb: Sandbox) -> None:
    """``show --json`` returns the config exactly as the platform stores it."""
    action_id = next(a for a in sb.actions if a.startswith("custom_-_"))
    result = run_in(sb, "show", action_id, "--json")

    assert 0 == result.exit_code, result.stderr
    assert sb.actions[action_id]["config"] == json.loads(result.stdout)["config"]


def test_unknown_action_id_is_a_clear_error(sb: Sandbox) -> None:
    """An id the org does not have exits 1 with a sentence, not a traceback."""
    result = run_in(sb, "show", "custom_-_00000000-0000-0000-0000-000000000000")

    assert 1 == result.exit_code
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert (
        "not found" in result.stderr.lower()
        or "no data action" in result.stderr.lower()
    )


def test_flows_shows_overriding_steps(sb: Sandbox) -> None:
    """``flows --json`` lists every calling step and marks the overriding ones."""
    consumed = [
        aid
        for (_kind, aid), rows in sb.dependencies.items()
        if any(state == "published" for _flow, _version, state in rows)
    ]
    results = [
        json.loads(run_in(sb, "flows", aid, "--json").stdout) for aid in consumed[:15]
    ]

    assert all(r["flows_using"] >= 1 for r in results)
    overriding = [r for r in results if r["flows_overriding"]]
    assert overriding, "the seeded org has overriding flows among its first consumers"
    step = next(s for r in overriding for s in r["steps"] if s["overrides"])
    assert step["use_suggested_timeout"] is False


def test_tutorial_job_raises_every_three_second_timeout(sb: Sandbox) -> None:
    """``set --where-timeout 3 --to 10 --yes`` leaves none at 3 s and changes nothing else."""
    before = copy.deepcopy(sb.actions)
    threes = {aid for aid, t in timeouts(sb).items() if t == 3}

    result = run_in(sb, *TUTORIAL_JOB)

    assert 0 == result.exit_code, result.stderr
    after = timeouts(sb)
    assert [] == [aid for aid, t in after.items() if t == 3]
    for aid in threes:
        old, new = before[aid], sb.actions[aid]
        assert (aid, 10) == (aid, new["config"]["timeoutSeconds"])
        assert without_timeout(old) == without_timeout(new)
        assert old["version"] + 1 == new["version"]
    for aid in set(before) - threes:
        assert before[aid] == sb.actions[aid]


def test_readme_job_on_the_built_in_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's own commands, on the fresh default org ``--sandbox`` builds, with its rate limit."""
    built: list[Sandbox] = []

    def recording(**options: Any) -> Sandbox:
        org = Sandbox(**options)
        built.append(org)
        return org

    monkeypatch.setattr(sandbox_module, "Sandbox", recording)
    audit = CliRunner().invoke(cli.main, ["--no-progress", "--sandbox", "audit"])
    job = CliRunner().invoke(
        cli.main,
        ["--no-progress", "--sandbox", *TUTORIAL_JOB],
    )

    assert (0, 0) == (audit.exit_code, job.exit_code), audit.stderr + job.stderr
    first, org = built
    assert first is not org
    assert len(org.actions) >= 300
    threes = {aid for aid, t in timeouts(first).items() if t == 3}
    assert f"{len(org.actions)} data actions" in audit.stdout
    assert f"3 s x {len(threes)}" in audit.stdout
    assert f"Apply: {len(threes)} applied" in job.stderr + job.stdout
    assert [] == [aid for aid, t in timeouts(org).items() if t == 3]
    assert {aid for aid, t in timeouts(org).items() if t == 10} >= threes


@pytest.mark.parametrize(
    "value",
    ["ten", "0", "61", "10.5", "-3", "", "+10", "1_0", "\uff11\uff10"],
    ids=lambda v: repr(v),
)
def test_bad_timeouts_are_refused_and_change_nothing(sb: Sandbox, value: str) -> None:
    """A timeout that is not a whole number from 1 to 60 exits 2 and writes nothing."""
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "set", "--where-timeout", "3", "--to", value, "--yes")

    assert 2 == result.exit_code
    assert "Traceback" not in result.stderr
    assert "whole number of seconds from 1 to 60" in result.stderr
    assert before == sb.actions


def test_set_needs_a_selection(sb: Sandbox) -> None:
    """``set`` without a selection or ``--all`` refuses rather than touching every action."""
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "set", "--to", "10", "--yes")

    assert 2 == result.exit_code
    assert "--all" in result.stderr
    assert before == sb.actions


def test_dry_run_changes_nothing(sb: Sandbox) -> None:
    """``--dry-run`` prints the change list and writes nothing."""
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "set", "--below", "10", "--to", "10", "--dry-run")

    assert 0 == result.exit_code, result.stderr
    assert "change  " in result.stdout
    assert before == sb.actions
    assert [] == list(Path().glob("*.journal.sqlite"))


def test_answering_no_changes_nothing(sb: Sandbox) -> None:
    """Without ``--yes`` the change is confirmed; answering no exits 1 and writes nothing."""
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "set", "--where-timeout", "5", "--to", "10", input="n\n")

    assert 1 == result.exit_code
    assert "nothing was changed" in result.stderr
    assert before == sb.actions


def test_answering_yes_applies_and_names_the_journal(sb: Sandbox) -> None:
    """Answering yes applies the change and prints the journal it created here."""
    result = run_in(sb, "set", "--where-timeout", "5", "--to", "10", input="y\n")

    assert 0 == result.exit_code, result.stderr
    journals = list(Path().glob("genesys-timeouts-*.journal.sqlite"))
    assert 1 == len(journals)
    assert f"Journal: {journals[0]}" in result.stderr
    assert [] == [aid for aid, t in timeouts(sb).items() if t == 5]


def test_plan_apply_show_and_rollback(sb: Sandbox) -> None:
    """A saved plan applies later, its journal reads back, and rollback restores the timeouts."""
    before = timeouts(sb)

    planned = run_in(sb, "plan", "--below", "30", "--to", "30", "--out", "plan.json")
    assert 0 == planned.exit_code, planned.stderr
    assert before == timeouts(sb)

    applied = run_in(
        sb, "apply", "plan.json", "--journal", "run.sqlite", "--yes", "--json"
    )
    assert 0 == applied.exit_code, applied.stderr
    report = json.loads(applied.stdout)
    changed = {o["action_id"] for o in report["outcomes"] if o["outcome"] == "applied"}
    assert changed
    assert all(timeouts(sb)[aid] == 30 for aid in changed)

    shown = run("journal", "show", "run.sqlite", "--json")
    assert 0 == shown.exit_code, shown.stderr
    assert len(changed) == json.loads(shown.stdout)["counts"]["apply"]["applied"]

    undone = run_in(sb, "rollback", "run.sqlite", "--yes")
    assert 0 == undone.exit_code, undone.stderr
    assert before == timeouts(sb)


def test_resuming_a_finished_journal_changes_nothing(sb: Sandbox) -> None:
    """``apply --resume`` on a finished run makes no write."""
    assert (
        0
        == run_in(
            sb,
            "set",
            "--where-timeout",
            "3",
            "--to",
            "10",
            "--yes",
            "--journal",
            "run.sqlite",
        ).exit_code
    )
    after = copy.deepcopy(sb.actions)

    result = run_in(sb, "apply", "--resume", "run.sqlite", "--json")

    assert 0 == result.exit_code, result.stderr
    assert 0 == json.loads(result.stdout)["writes"]
    assert after == sb.actions


def test_someone_elses_timeout_change_is_a_conflict_and_exit_3(sb: Sandbox) -> None:
    """A timeout changed between plan and apply is left alone; the run exits 3."""
    assert (
        0
        == run_in(
            sb, "plan", "--where-timeout", "3", "--to", "10", "--out", "p.json"
        ).exit_code
    )
    plan = json.loads(Path("p.json").read_text())
    victim = plan["changes"][0]["action_id"]
    sb.edit_action(victim, lambda raw: raw["config"].__setitem__("timeoutSeconds", 20))

    result = run_in(sb, "apply", "p.json", "--journal", "j.sqlite", "--yes")

    assert 3 == result.exit_code, result.stderr
    assert 20 == timeouts(sb)[victim]
    assert "conflict" in result.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "something else"}', "not a usable genesys-timeouts plan"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
    ids=["broken-json", "wrong-document", "binary", "nested-too-deep"],
)
def test_malformed_plan_file_is_refused(
    sb: Sandbox, content: bytes, words: str
) -> None:
    """A plan file that is not one of ours exits 2 with one paragraph and writes nothing."""
    Path("plan.json").write_bytes(content)
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "apply", "plan.json", "--yes")

    assert 2 == result.exit_code
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert before == sb.actions


def test_a_plan_naming_an_impossible_id_is_refused_whole(sb: Sandbox) -> None:
    """A plan whose change names something that cannot be an action id exits 2 before any write."""
    planned = run_in(
        sb, "plan", "--where-timeout", "3", "--to", "10", "--out", "p.json"
    )
    document = json.loads(Path("p.json").read_text())
    document["changes"][0]["action_id"] = "../x"
    Path("p.json").write_text(json.dumps(document))
    before = copy.deepcopy(sb.actions)

    result = run_in(sb, "apply", "p.json", "--yes")

    assert 0 == planned.exit_code, planned.stderr
    assert 2 == result.exit_code, result.stderr
    assert "'../x' is not a data-action id" in result.stderr
    assert before == sb.actions


def test_a_journal_in_a_missing_folder_is_a_usage_error(sb: Sandbox) -> None:
    """``--journal`` in a folder that does not exist exits 2 with one paragraph, nothing changed."""
    before = copy.deepcopy(sb.actions)
    result = run_in(
        sb,
        *TUTORIAL_JOB,
        "--journal",
        "no/such/folder/j.sqlite",
    )

    assert 2 == result.exit_code, result.stderr
    assert "Cannot create the journal" in result.stderr
    assert "Traceback" not in result.stderr
    assert before == sb.actions


def test_missing_plan_file_and_bad_journal_are_usage_errors() -> None:
    """A plan that does not exist, or a journal that is not one, exits 2."""
    Path("notes.sqlite").write_text("just some text\n")

    missing = run("--sandbox", "apply", "nowhere.json", "--yes")
    not_journal = run("journal", "show", "notes.sqlite")

    assert (2, 2) == (missing.exit_code, not_journal.exit_code)
    assert "nowhere.json" in missing.stderr
    assert not_journal.stderr.startswith("error: ")


@pytest.mark.usefixtures("no_credentials")
def test_missing_credentials_say_what_to_set() -> None:
    """With no credentials anywhere, the error names the environment variables."""
    result = run("--region", "us_east_1", "audit")

    assert 2 == result.exit_code
    assert "GENESYSCLOUD_OAUTHCLIENT_ID" in result.stderr
    assert "--client-id" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("no_credentials")
def test_unknown_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A region that does not exist is named in a one-paragraph error."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "id")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cret-value")

    result = run("--region", "mars_north_1", "audit")

    assert 2 == result.exit_code
    assert "mars_north_1" in result.stderr
    assert "s3cret-value" not in result.stderr


@pytest.mark.usefixtures("no_credentials")
def test_a_region_on_the_command_line_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--region`` is used even when ``GENESYS_BASE_URL`` names another org."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "id")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cret-value")
    monkeypatch.setenv("GENESYS_BASE_URL", "http://127.0.0.1:1")

    result = run("--region", "mars_north_1", "audit")

    assert 2 == result.exit_code, result.stderr
    assert "mars_north_1" in result.stderr
    assert "127.0.0.1:1" not in result.stderr


def test_sandbox_and_base_url_together_is_a_usage_error() -> None:
    """``--sandbox`` with an explicit org is refused."""
    result = run("--sandbox", "--base-url", "http://127.0.0.1:1", "audit")

    assert 2 == result.exit_code


def test_no_secret_reaches_the_output_the_log_or_the_journal(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """With full logging, neither the client secret nor a token appears anywhere we write."""
    caplog.set_level(logging.DEBUG)

    result = run_in(
        sb,
        "-vv",
        *TUTORIAL_JOB,
        "--journal",
        "j.sqlite",
    )

    assert 0 == result.exit_code, result.stderr
    assert "INFO genesys_timeouts" in result.stderr  # the log did reach stderr
    tokens = list(sb._state.tokens)  # every token the platform side issued
    assert tokens
    written = result.stdout + result.stderr + caplog.text
    data = Path("j.sqlite").read_bytes()
    for secret in (sb.client_secret, *tokens):
        assert secret not in written
        assert secret.encode() not in data


@pytest.mark.loopback
@pytest.mark.usefixtures("no_credentials")
def test_audit_over_loopback_with_environment_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Credentials from the Terraform provider's variables and a base URL reach a served org."""
    org = Sandbox(seed=3, actions=120, flows=4, rate_limit_per_minute=None)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", org.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", org.client_secret)

    with org.serve() as url:
        result = run("--base-url", url, "audit", "--json")

    assert 0 == result.exit_code, result.stderr
    assert set(org.actions) == {
        row["id"] for row in json.loads(result.stdout)["actions"]
    }


def test_module_entry_point_prints_help() -> None:
    """``python -m genesys_timeouts --help`` works and lists the commands."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "genesys_timeouts", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert 0 == done.returncode, done.stderr
    for command in (
        "audit",
        "show",
        "flows",
        "plan",
        "set",
        "apply",
        "rollback",
        "journal",
    ):
        assert command in done.stdout


def test_plan_asks_dependency_tracking_about_changed_actions_only(sb: Sandbox) -> None:
    """For a few actions, the flow check asks once per changed action and object type."""
    few = sorted(aid for aid, t in timeouts(sb).items() if t == 5)[:3]
    result = run_in(sb, "plan", "--ids", ",".join(few), "--to", "10", "--json")

    assert 0 == result.exit_code, result.stderr
    asked = collections.Counter(
        (r.query["id"], r.query["objectType"])
        for r in sb.requests
        if r.path.endswith("/consumingresources")
    )
    assert set(few) == {action_id for action_id, _kind in asked}
    assert {1} == set(asked.values())


def test_plan_of_many_actions_reads_the_flows_instead(sb: Sandbox) -> None:
    """For many actions, reading every flow costs less than two queries each, and still warns."""
    result = run_in(sb, "plan", "--where-timeout", "3", "--to", "10", "--json")

    assert 0 == result.exit_code, result.stderr
    changes = json.loads(result.stdout)["changes"]
    flow_calls = [
        r for r in sb.requests if "/architect/" in r.path or "/flows" in r.path
    ]
    assert [] == [r for r in flow_calls if r.path.endswith("/consumingresources")]
    assert len(flow_calls) < 2 * len(changes)
    assert "will not see 10 s" in result.stderr


def test_plan_warns_about_a_flow_it_could_not_read(sb: Sandbox) -> None:
    """A consuming flow whose document cannot be read is named in a warning for its action."""
    action_id, flow_id = next(
        (aid, flow)
        for (_kind, aid), rows in sb.dependencies.items()
        for flow, _version, state in rows
        if state == "published"
        and timeouts(sb)[aid] is not None
        and not aid.startswith(("static_", "customAuth_"))
    )
    sb.fail_next(count=20, status=404, path_contains=f"{flow_id}/versions")
    result = run_in(sb, "plan", "--ids", action_id, "--to", "59")

    assert 0 == result.exit_code, result.stderr
    lines = [line for line in result.stderr.splitlines() if action_id in line]
    assert any("could not be read" in line for line in lines), result.stderr


def test_no_flows_skips_the_flow_check(sb: Sandbox) -> None:
    """``--no-flows`` makes no dependency query at all."""
    result = run_in(sb, "plan", "--where-timeout", "5", "--to", "10", "--no-flows")

    assert 0 == result.exit_code, result.stderr
    assert [] == [r for r in sb.requests if "dependencytracking" in r.path]
