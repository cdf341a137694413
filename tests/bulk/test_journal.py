"""The journal file: private, crash-safe records that refuse foreign files."""

from __future__ import annotations

import datetime
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from genesys_timeouts import DataAction, InvalidInputError
from genesys_timeouts._journal import (
    Journal,
    Outcome,
    Phase,
    Target,
    WriteState,
    default_journal_path,
)
from genesys_timeouts._plan import Plan, plan_timeouts

BASE_URL = "https://api.example.invalid"


@pytest.fixture
def plan() -> Plan:
    """A plan of two changes."""
    actions = [
        DataAction(id=f"custom_-_{n}", name=f"Action {n}", version=n, timeout_seconds=5)
        for n in (1, 2)
    ]
    return plan_timeouts(actions, to=30)


@pytest.fixture
def journal(tmp_path: Path, plan: Plan) -> Iterator[Journal]:
    """A fresh journal for ``plan``, closed after the test."""
    opened = Journal.create(
        tmp_path / "j.sqlite", plan, base_url=BASE_URL, client_id="cid"
    )
    yield opened
    opened.close()


def test_created_readable_by_owner_only(journal: Journal) -> None:
    """A new journal file has mode 0600."""
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_open_refuses_a_file_others_can_read(journal: Journal) -> None:
    """Opening a journal that group or others can read is refused, saying how to fix it."""
    journal.close()
    journal.path.chmod(0o644)

    with pytest.raises(InvalidInputError, match="chmod 600"):
        Journal.open(journal.path)


def test_create_refuses_an_existing_file(journal: Journal, plan: Plan) -> None:
    """An existing journal is never overwritten by a new apply."""
    with pytest.raises(InvalidInputError, match="already exists"):
        Journal.create(journal.path, plan, base_url=BASE_URL)


def _private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def test_open_refuses_a_text_file(tmp_path: Path) -> None:
    """A file that is not SQLite is refused with a clear message."""
    path = _private(
        tmp_path / "notes.txt", b"hello, this is not a database at all" * 10
    )

    with pytest.raises(
        InvalidInputError, match="not a usable genesys-timeouts journal"
    ):
        Journal.open(path)


def test_open_refuses_a_foreign_database(tmp_path: Path) -> None:
    """An SQLite file written by something else is refused."""
    path = _private(tmp_path / "other.sqlite", b"")
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('format', 'someone-else')")
    db.close()

    with pytest.raises(InvalidInputError, match="not written by genesys-timeouts"):
        Journal.open(path)


def test_open_refuses_a_missing_file(tmp_path: Path) -> None:
    """A path with no file is refused."""
    with pytest.raises(InvalidInputError, match="no journal file"):
        Journal.open(tmp_path / "missing.sqlite")


def test_states_survive_reopening(journal: Journal, plan: Plan) -> None:
    """Planned, intent and done rows read back from the file with their before-image."""
    first, second = journal.entries(Phase.APPLY)
    image = {"id": first.action_id, "version": 1, "config": {"timeoutSeconds": 5}}
    journal.record_intent(first, image, 1)
    done = journal.record_done(second, Outcome.CONFLICT, "moved")
    journal.close()

    with Journal.open(journal.path) as reopened:
        rows = {e.action_id: e for e in reopened.entries(Phase.APPLY, Target.ACTION)}
        assert reopened.plan == plan
        assert (reopened.base_url, reopened.client_id) == (BASE_URL, "cid")
    assert rows[first.action_id].state is WriteState.INTENT
    assert rows[first.action_id].before_image == image
    assert rows[first.action_id].intent_version == 1
    assert (rows[second.action_id].state, rows[second.action_id].outcome) == (
        done.state,
        Outcome.CONFLICT,
    )


def test_before_images_are_never_overwritten(journal: Journal) -> None:
    """A second intent for the same write keeps the first before-image too."""
    entry = journal.entries()[0]
    journal.record_intent(entry, {"version": 1}, 1)
    journal.record_intent(entry, {"version": 2}, 2)

    assert journal.before_images(entry.action_id) == [{"version": 1}, {"version": 2}]


def test_failure_keeps_the_write_open(journal: Journal) -> None:
    """A failure is noted without settling the write, so a resume retries it."""
    entry = journal.record_intent(journal.entries()[0], {"version": 1}, 1)

    failed = journal.record_failed(entry, "lost")

    assert (failed.state, failed.outcome) == (WriteState.INTENT, Outcome.FAILED)


def test_to_dict_summarises(journal: Journal) -> None:
    """The summary has the org, counts and one row per write, without before-images."""
    summary = journal.to_dict()

    assert summary["base_url"] == BASE_URL
    assert summary["counts"]["apply"]["pending"] == 2
    assert [row["state"] for row in summary["entries"]] == ["planned", "planned"]
    assert "before_image" not in summary["entries"][0]
    assert "Action 1" in journal.describe()


def test_default_journal_path_is_timestamped() -> None:
    """The default name carries the UTC time and lives in the current directory."""
    moment = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)

    path = default_journal_path(now=moment)

    assert path == Path("genesys-timeouts-20260304T050607Z.journal.sqlite")


def test_default_journal_path_never_names_an_existing_file(tmp_path: Path) -> None:
    """Two runs in the same second get two journals, not a refusal."""
    moment = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    first = default_journal_path(tmp_path, now=moment)
    first.touch()

    second = default_journal_path(tmp_path, now=moment)

    assert second == tmp_path / "genesys-timeouts-20260304T050607Z-2.journal.sqlite"


def test_a_failure_while_creating_leaves_no_journal(
    tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema, plan and planned rows are one transaction: a failure in between leaves no file."""

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("genesys_timeouts._journal._insert_planned", fail)

    with pytest.raises(OSError, match="disk full"):
        Journal.create(tmp_path / "j.sqlite", plan, base_url=BASE_URL)

    assert not (tmp_path / "j.sqlite").exists()


def test_an_empty_file_says_nothing_was_changed(tmp_path: Path) -> None:
    """A journal file left empty by a crash during creation is refused, saying nothing was written."""
    path = _private(tmp_path / "j.sqlite", b"")

    with pytest.raises(InvalidInputError, match="changed nothing"):
        Journal.open(path)


def test_a_truncated_journal_is_refused(journal: Journal) -> None:
    """A journal cut short (a partial copy, a full disk) is refused as damaged."""
    for entry in journal.entries():
        journal.record_intent(entry, {"version": 1, "config": {"x": "y" * 5000}}, 1)
    journal.close()
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[: len(data) // 2])

    with pytest.raises(
        InvalidInputError, match="not a usable genesys-timeouts journal"
    ):
        Journal.open(journal.path)


BAD_ROWS = [
    pytest.param("UPDATE entries SET state = 'lost'", "a row is damaged", id="state"),
    pytest.param(
        "UPDATE entries SET before_image = '{cut'", "a row is damaged", id="image"
    ),
    pytest.param(
        "UPDATE entries SET action_id = 'custom_-_elsewhere' WHERE seq = 1",
        "does not list",
        id="foreign-row",
    ),
    pytest.param(
        "UPDATE meta SET value = '{\"format\": 1' WHERE key = 'plan'",
        "its plan is damaged",
        id="plan",
    ),
]


@pytest.mark.parametrize(("statement", "phrase"), BAD_ROWS)
def test_a_damaged_row_is_refused_at_open(
    journal: Journal, statement: str, phrase: str
) -> None:
    """A journal whose rows or plan were damaged is refused when opened, before anything runs."""
    journal.close()
    db = sqlite3.connect(journal.path)
    with db:
        db.execute(statement)
    db.close()

    with pytest.raises(InvalidInputError, match=phrase) as info:
        Journal.open(journal.path)

    assert "\n" not in str(info.value)


def test_own_draft_survives_reopening(journal: Journal) -> None:
    """Whether a draft of ours may exist is recorded durably, and cleared again."""
    entry = journal.record_intent(journal.entries()[0], {"version": 1}, 1)

    journal.record_own_draft(entry, exists=True)
    journal.close()
    with Journal.open(journal.path) as reopened:
        mine = reopened.entries()[0]
        assert mine.own_draft
        cleared = reopened.record_own_draft(mine, exists=False)

    assert (cleared.own_draft, cleared.state) == (False, WriteState.INTENT)
