"""A crash-safe record of a bulk change, in one SQLite file.

The journal holds the plan, the org it is for, and one row per write: the
state of that write (``planned`` -> ``intent`` -> ``done``), the whole
before-image of the object taken just before writing it, the version the
write was sent with, and the outcome. Every state change is its own
committed transaction with ``synchronous=FULL``, so what the file says
survives a crash or a power cut. Before-images are also appended to an
``images`` table that is never updated, so none is ever lost.

The file is created readable by its owner only (mode 0600), and holds the
base URL and client id but never a token or a secret.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import json
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._errors import InvalidInputError
from ._plan import Plan

__all__ = [
    "Journal",
    "JournalEntry",
    "Outcome",
    "Phase",
    "Target",
    "WriteState",
    "default_journal_path",
]

JOURNAL_FORMAT = "genesys-timeouts/journal"
JOURNAL_SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    phase TEXT NOT NULL,
    action_id TEXT NOT NULL,
    target TEXT NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    strategy TEXT NOT NULL,
    from_seconds INTEGER,
    to_seconds INTEGER,
    planned_version INTEGER,
    intent_version INTEGER,
    before_image TEXT,
    landed_version INTEGER,
    outcome TEXT,
    detail TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    own_draft INTEGER NOT NULL DEFAULT 0,
    draft_asked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phase, action_id, target)
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    action_id TEXT NOT NULL,
    target TEXT NOT NULL,
    version INTEGER,
    image TEXT NOT NULL,
    taken_at TEXT NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    phase TEXT NOT NULL,
    action_id TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
"""


class Phase(str, enum.Enum):
    """Which pass over the plan a row belongs to."""

    APPLY = "apply"
    ROLLBACK = "rollback"


class Target(str, enum.Enum):
    """What a row writes: the published action or its pending draft."""

    ACTION = "action"
    DRAFT = "draft"


class WriteState(str, enum.Enum):
    """Where a write stands.

    ``planned``: nothing sent. ``intent``: the before-image is recorded and
    the write may have been sent; only re-reading tells whether it landed.
    ``done``: settled, with an outcome.
    """

    PLANNED = "planned"
    INTENT = "intent"
    DONE = "done"


class Outcome(str, enum.Enum):
    """How a write ended up."""

    APPLIED = "applied"
    AT_TARGET = "already-at-target"
    CONFLICT = "conflict"
    SKIPPED = "skipped"
    FAILED = "failed"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="microseconds"
    )


def default_journal_path(
    directory: str | Path | None = None, *, now: datetime.datetime | None = None
) -> Path:
    """``genesys-timeouts-<UTC timestamp>.journal.sqlite`` in ``directory`` (default: here).

    When a file of that name exists already (two runs in the same second),
    ``-2``, ``-3`` and so on are added, so the path returned is free.
    """
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    stamp = moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(directory or ".")
    path = folder / f"genesys-timeouts-{stamp}.journal.sqlite"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"genesys-timeouts-{stamp}-{number}.journal.sqlite"

    return path


def _image(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    image: dict[str, Any] = json.loads(text)

    return image


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One write as the journal records it.

    ``before_image`` is the whole object read just before the write was sent
    (None while planned); ``landed_version`` is the object's version after
    our write landed, which is what makes it eligible for rollback.
    ``own_draft`` is true while a draft this run created for the write (the
    draft strategy) may still exist on the platform; ``draft_asked`` is true
    from the moment the create call is sent until its draft is known to
    exist or to be gone, so that only a draft we may have made is claimed.
    """

    phase: Phase = attrs.field(converter=Phase)
    action_id: str
    target: Target = attrs.field(converter=Target)
    seq: int
    name: str
    state: WriteState = attrs.field(converter=WriteState)
    strategy: str
    from_seconds: int | None
    to_seconds: int | None
    planned_version: int | None
    intent_version: int | None
    before_image: dict[str, Any] | None = attrs.field(repr=False, eq=False)
    landed_version: int | None
    outcome: Outcome | None = attrs.field(converter=attrs.converters.optional(Outcome))
    detail: str
    updated_at: str
    own_draft: bool = attrs.field(default=False, converter=bool)
    draft_asked: bool = attrs.field(default=False, converter=bool)

    @property
    def key(self) -> tuple[str, str, str]:
        """(phase, action id, target): the row's identity."""
        return (self.phase.value, self.action_id, self.target.value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary row (without the before-image)."""
        return {
            "phase": self.phase.value,
            "action_id": self.action_id,
            "target": self.target.value,
            "name": self.name,
            "state": self.state.value,
            "strategy": self.strategy,
            "from_seconds": self.from_seconds,
            "to_seconds": self.to_seconds,
            "planned_version": self.planned_version,
            "intent_version": self.intent_version,
            "landed_version": self.landed_version,
            "outcome": None if self.outcome is None else self.outcome.value,
            "detail": self.detail,
            "updated_at": self.updated_at,
            "own_draft": self.own_draft,
            "draft_asked": self.draft_asked,
        }


_COLUMNS = (
    "phase, action_id, target, seq, name, state, strategy, from_seconds, to_seconds, "
    "planned_version, intent_version, before_image, landed_version, outcome, detail, updated_at, "
    "own_draft, draft_asked"
)


_NAMES = tuple(c.strip() for c in _COLUMNS.split(","))


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    fields = dict(zip(_NAMES, row, strict=True))
    fields["before_image"] = _image(fields["before_image"])

    return JournalEntry(**fields)


def _insert_planned(
    db: sqlite3.Connection,
    phase: Phase,
    target: Target,
    rows: Iterable[tuple[str, str, int | None, int | None, int | None]],
    strategy: str,
) -> None:
    now = _now()
    (start,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()
    for seq, (action_id, name, from_s, to_s, version) in enumerate(rows, start + 1):
        db.execute(
            f"INSERT OR IGNORE INTO entries ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, '', ?, 0, 0)",
            (
                phase.value,
                action_id,
                target.value,
                seq,
                name,
                WriteState.PLANNED.value,
                strategy,
                from_s,
                to_s,
                version,
                now,
            ),
        )
        Journal._event(
            db, phase.value, action_id, target.value, WriteState.PLANNED, None, ""
        )


def _not_a_journal(path: Path, problem: str) -> InvalidInputError:
    return InvalidInputError(
        f"{path} is not a usable genesys-timeouts journal: {problem}. Give the "
        "journal file that `genesys-timeouts apply` wrote."
    )


def _create_private_file(path: Path) -> None:
    # The file must never exist with wider permissions, not even briefly,
    # so it is created here with 0600 before SQLite opens it.
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise InvalidInputError(
            f"The journal {path} already exists. Resume it with `genesys-timeouts apply "
            "--resume`, or choose another path."
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            f"Cannot create the journal {path}: {exc.strerror or exc}. Choose a path "
            "in a folder that exists and that you can write to. Nothing was changed."
        ) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise InvalidInputError(
            f"The journal {path} can be read by other users (mode {mode:04o}); it holds "
            f"whole data-action configs. Run `chmod 600 {path}` and try again."
        )


class Journal:
    """The journal of one plan's apply (and perhaps its rollback).

    Open an existing one with :meth:`open`; start one with :meth:`create`.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._plan: Plan | None = None

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # Autocommit mode: every write below is its own explicit transaction.
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=DELETE")
            db.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _not_a_journal(path, f"SQLite cannot read it ({exc})") from None

        return db

    @classmethod
    def create(
        cls,
        path: str | Path,
        plan: Plan,
        *,
        base_url: str,
        client_id: str = "",
        strategy: str = "patch",
        include_drafts: bool = False,
    ) -> Journal:
        """Create a new journal for ``plan``, with one planned row per change.

        Raises :class:`InvalidInputError` when ``path`` already exists.
        """
        path = Path(path)
        _create_private_file(path)
        try:
            return cls._initialise(
                path, plan, base_url, client_id, strategy, include_drafts
            )
        except BaseException:
            # Nothing was written to the platform yet: leave no half-made journal.
            with contextlib.suppress(OSError):
                path.unlink()
            raise

    @classmethod
    def _initialise(
        cls,
        path: Path,
        plan: Plan,
        base_url: str,
        client_id: str,
        strategy: str,
        include_drafts: bool,
    ) -> Journal:
        journal = cls(path, cls._connect(path))
        meta = {
            "format": JOURNAL_FORMAT,
            "schema_version": str(JOURNAL_SCHEMA_VERSION),
            "created_at": _now(),
            "base_url": base_url,
            "client_id": client_id,
            "strategy": strategy,
            "include_drafts": "1" if include_drafts else "0",
            "status": "applying",
            "plan": plan.to_json(),
        }
        rows = [
            (
                change.action_id,
                change.name,
                change.from_seconds,
                change.to_seconds,
                change.version,
            )
            for change in plan.changes
        ]
        try:
            with journal._transaction() as db:
                # DDL is transactional in SQLite: the schema, the plan and its
                # planned rows appear together or not at all, so a crash here
                # can never leave a journal that looks finished but lists nothing.
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                _insert_planned(db, Phase.APPLY, Target.ACTION, rows, strategy)
        except BaseException:
            journal.close()
            raise

        return journal

    @classmethod
    def open(cls, path: str | Path) -> Journal:
        """Open an existing journal, checking that it is one and that it is private."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInputError(f"There is no journal file at {path}.")
        _check_private(path)
        db = cls._connect(path)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            db.close()
            if path.stat().st_size == 0:
                raise _not_a_journal(
                    path,
                    "it is empty, so the run that created it stopped before recording "
                    "its plan and changed nothing; delete it and apply the plan again",
                ) from None
            raise _not_a_journal(path, f"it has no journal tables ({exc})") from None
        if meta.get("format") != JOURNAL_FORMAT:
            db.close()
            raise _not_a_journal(path, "it was not written by genesys-timeouts")
        if meta.get("schema_version") != str(JOURNAL_SCHEMA_VERSION):
            db.close()
            raise _not_a_journal(
                path,
                f"it has schema version {meta.get('schema_version')}, "
                f"expected {JOURNAL_SCHEMA_VERSION}",
            )
        journal = cls(path, db)
        try:
            journal._check_readable()
        except BaseException:
            db.close()
            raise

        return journal

    def _check_readable(self) -> None:
        """Read everything once, so a damaged file is refused before any write."""
        try:
            (verdict,) = self._db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise _not_a_journal(self.path, f"SQLite finds it damaged ({verdict})")
            self.plan  # noqa: B018  # parse now, so a damaged plan is reported at open
            entries = self.entries()
            for (text,) in self._db.execute("SELECT image FROM images"):
                json.loads(text)
        except sqlite3.DatabaseError as exc:
            raise _not_a_journal(self.path, f"SQLite cannot read it ({exc})") from None
        except (ValueError, TypeError) as exc:
            raise _not_a_journal(self.path, f"a row is damaged ({exc})") from None
        planned = {c.action_id for c in self.plan.changes}
        strays = sorted({e.action_id for e in entries} - planned)
        if strays:
            raise _not_a_journal(
                self.path,
                f"it has rows for actions its plan does not list ({strays[0]})",
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str:
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return "" if row is None else str(row[0])

    @property
    def plan(self) -> Plan:
        """The plan this journal applies."""
        if self._plan is None:
            try:
                self._plan = Plan.from_json(self._meta("plan"))
            except InvalidInputError as exc:
                raise _not_a_journal(
                    self.path, f"its plan is damaged ({exc})"
                ) from None

        return self._plan

    @property
    def base_url(self) -> str:
        """The base URL of the org the plan is applied to."""
        return self._meta("base_url")

    @property
    def client_id(self) -> str:
        """The OAuth client id that applied it (never its secret)."""
        return self._meta("client_id")

    @property
    def created_at(self) -> str:
        """When the journal was created, in UTC ISO 8601."""
        return self._meta("created_at")

    @property
    def strategy(self) -> str:
        """How published actions are written: ``patch`` or ``draft``."""
        return self._meta("strategy")

    @property
    def include_drafts(self) -> bool:
        """Whether pending drafts are patched too."""
        return self._meta("include_drafts") == "1"

    @property
    def status(self) -> str:
        """``applying``, ``applied``, ``rolling-back`` or ``rolled-back``."""
        return self._meta("status")

    def set_status(self, status: str) -> None:
        """Record where the journal as a whole stands."""
        with self._transaction() as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'status'", (status,))

    def add_planned(
        self,
        phase: Phase,
        target: Target,
        rows: Iterable[tuple[str, str, int | None, int | None, int | None]],
        *,
        strategy: str = "patch",
    ) -> None:
        """Add planned writes: (action id, name, from, to, version seen) each."""
        with self._transaction() as db:
            _insert_planned(db, phase, target, rows, strategy)

    @staticmethod
    def _event(
        db: sqlite3.Connection,
        phase: str,
        action_id: str,
        target: str,
        state: WriteState,
        outcome: Outcome | None,
        detail: str,
    ) -> None:
        db.execute(
            "INSERT INTO events (at, phase, action_id, target, state, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _now(),
                phase,
                action_id,
                target,
                state.value,
                None if outcome is None else outcome.value,
                detail,
            ),
        )

    def entries(
        self, phase: Phase | None = None, target: Target | None = None
    ) -> list[JournalEntry]:
        """The rows, in plan order, optionally of one phase and target."""
        query = f"SELECT {_COLUMNS} FROM entries WHERE 1 = 1"
        params: list[str] = []
        if phase is not None:
            query += " AND phase = ?"
            params.append(phase.value)
        if target is not None:
            query += " AND target = ?"
            params.append(target.value)

        return [
            _entry(row) for row in self._db.execute(query + " ORDER BY seq", params)
        ]

    def entry(
        self, phase: Phase, action_id: str, target: Target
    ) -> JournalEntry | None:
        """One row, or None."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE phase = ? AND action_id = ? AND target = ?",
            (phase.value, action_id, target.value),
        ).fetchone()

        return None if row is None else _entry(row)

    def _update(
        self,
        entry: JournalEntry,
        *,
        state: WriteState,
        outcome: Outcome | None,
        detail: str,
        image: Mapping[str, Any] | None = None,
        event_detail: str | None = None,
        **columns: Any,
    ) -> JournalEntry:
        phase, action_id, target = entry.key
        columns.update(state=state.value, detail=detail, updated_at=_now())
        columns["outcome"] = None if outcome is None else outcome.value
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._transaction() as db:
            if image is not None:
                # Append-only: a later intent never overwrites an earlier before-image.
                db.execute(
                    "INSERT INTO images (phase, action_id, target, version, image, taken_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        phase,
                        action_id,
                        target,
                        image.get("version"),
                        json.dumps(image, sort_keys=True),
                        _now(),
                    ),
                )
            db.execute(
                f"UPDATE entries SET {assignments} "
                "WHERE phase = ? AND action_id = ? AND target = ?",
                [*columns.values(), phase, action_id, target],
            )
            self._event(
                db,
                phase,
                action_id,
                target,
                state,
                outcome,
                detail if event_detail is None else event_detail,
            )
        updated = self.entry(entry.phase, entry.action_id, entry.target)
        assert updated is not None  # the row was just updated

        return updated

    def record_intent(
        self, entry: JournalEntry, before_image: Mapping[str, Any], version: int
    ) -> JournalEntry:
        """Record, durably, the whole object about to be written and the version used."""
        return self._update(
            entry,
            state=WriteState.INTENT,
            outcome=None,
            detail=entry.detail,
            image=before_image,
            before_image=json.dumps(before_image, sort_keys=True),
            intent_version=version,
        )

    def record_done(
        self,
        entry: JournalEntry,
        outcome: Outcome,
        detail: str = "",
        *,
        landed_version: int | None = None,
    ) -> JournalEntry:
        """Settle a write with its outcome; ``landed_version`` when our write landed."""
        columns: dict[str, Any] = {}
        if landed_version is not None:
            columns["landed_version"] = landed_version

        return self._update(
            entry, state=WriteState.DONE, outcome=outcome, detail=detail, **columns
        )

    def record_own_draft(self, entry: JournalEntry, *, exists: bool) -> JournalEntry:
        """Record that a draft this run created exists now, or no longer does."""
        note = "created a draft of its own" if exists else "its own draft is gone"
        return self._update(
            entry,
            state=entry.state,
            outcome=entry.outcome,
            detail=entry.detail,
            event_detail=note,
            own_draft=1 if exists else 0,
            draft_asked=0,
        )

    def record_draft_asked(self, entry: JournalEntry) -> JournalEntry:
        """Record, before the call is sent, that this run is about to create a draft."""
        return self._update(
            entry,
            state=entry.state,
            outcome=entry.outcome,
            detail=entry.detail,
            event_detail="asking for a draft of its own",
            draft_asked=1,
        )

    def record_failed(self, entry: JournalEntry, detail: str) -> JournalEntry:
        """Note a failure that leaves the write open (planned or intent) for a resume."""
        return self._update(
            entry, state=entry.state, outcome=Outcome.FAILED, detail=detail
        )

    def before_images(self, action_id: str) -> list[dict[str, Any]]:
        """Every before-image ever recorded for ``action_id``, oldest first."""
        rows = self._db.execute(
            "SELECT image FROM images WHERE action_id = ? ORDER BY id", (action_id,)
        )
        return [json.loads(text) for (text,) in rows]

    def counts(self, phase: Phase) -> dict[str, int]:
        """How many rows of ``phase`` have each outcome, plus ``pending``."""
        counts = {outcome.value: 0 for outcome in Outcome}
        counts["pending"] = 0
        for entry in self.entries(phase):
            if entry.state is WriteState.DONE and entry.outcome is not None:
                counts[entry.outcome.value] += 1
            else:
                counts["pending"] += 1

        return counts

    def to_dict(self) -> dict[str, Any]:
        """Everything `journal show` prints: the org, the status, counts and rows."""
        plan = self.plan
        return {
            "path": str(self.path),
            "base_url": self.base_url,
            "client_id": self.client_id,
            "created_at": self.created_at,
            "status": self.status,
            "strategy": self.strategy,
            "include_drafts": self.include_drafts,
            "to_seconds": plan.to_seconds,
            "planned_changes": len(plan.changes),
            "counts": {phase.value: self.counts(phase) for phase in Phase},
            "entries": [entry.to_dict() for entry in self.entries()],
        }

    def describe(self) -> str:
        """A readable table of the journal's rows."""
        header = (
            f"Journal {self.path}\n  org {self.base_url}, client {self.client_id}, "
            f"created {self.created_at}, status {self.status}, target "
            f"{self.plan.to_seconds} s, strategy {self.strategy}"
        )
        lines = [header]
        for e in self.entries():
            outcome = e.outcome.value if e.outcome else e.state.value
            lines.append(
                f"  {e.phase.value:<8} {e.target.value:<6} {outcome:<17} {e.name} "
                f"({e.action_id}) {e.from_seconds} -> {e.to_seconds}"
                + (f": {e.detail}" if e.detail else "")
            )

        return "\n".join(lines)
