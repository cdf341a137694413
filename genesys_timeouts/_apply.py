"""Apply a plan, resume it after a crash, and roll it back, all through a journal.

Every write follows the same steps, each recorded in the journal before
the next one starts::

    planned --(read the object; record its whole before-image)--> intent
    intent  --(write with the version read; record the result)--> done

A write is never repeated blindly. When its answer is lost (a 5xx, a
broken connection, a crash) the object is read again and the write is
settled from what the platform holds: our write landed if the version went
up by exactly one, the timeout is the target and nothing else differs from
the before-image. It did not land if the object is still the before-image,
or if the version went up by exactly one but the object is not our write
(then that one write was someone else's, and the change is decided again
from what they left, as before any write). When the version went up by
more, nobody can tell whether ours landed in between: that is reported as
a conflict and left alone.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._actions import IDS_PER_CALL, pages, read_action, read_draft, write_timeout
from ._clone import differences, draft_patch_body, timeout_of
from ._errors import (
    AuthenticationError,
    ConflictError,
    GenesysTimeoutsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    UnsafeWriteError,
)
from ._journal import (
    Journal,
    JournalEntry,
    Outcome,
    Phase,
    Target,
    WriteState,
    default_journal_path,
)
from ._plan import Plan
from ._session import Session

__all__ = [
    "CRASH_AT_ENV",
    "STRATEGIES",
    "ActionOutcome",
    "ApplyReport",
    "Progress",
    "apply",
    "resume",
    "rollback",
]

_log = logging.getLogger("genesys_timeouts")

#: How published actions may be written.
STRATEGIES = ("patch", "draft")

#: ``progress(done, total)``, called after each action is settled.
Progress = Callable[[int, int], None]

#: Test hook: ``<boundary>:<n>`` ends the process with status 137 at the n-th
#: time this run reaches that boundary (``after-intent``, ``after-patch``,
#: ``after-draft-create``, ``after-publish``). Inert unless set.
CRASH_AT_ENV = "GENESYS_TIMEOUTS_CRASH_AT"

#: How often one write is re-decided after someone else's edit got in first.
_MAX_ATTEMPTS = 3


class _Verdict(enum.Enum):
    LANDED = "landed"
    NOT_LANDED = "not landed"
    CONFLICT = "conflict"
    GONE = "gone"


@attrs.frozen(kw_only=True)
class ActionOutcome:
    """How one write of a run ended up.

    ``outcome`` is an :class:`Outcome` value, or ``pending`` when the run
    stopped before settling it (resume the journal to finish it).
    """

    action_id: str
    name: str
    target: str
    outcome: str
    from_seconds: int | None
    to_seconds: int | None
    version_before: int | None
    version_after: int | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this outcome."""
        return attrs.asdict(self)


#: The detail of a draft row that only records that the action had no draft.
_NO_DRAFT = "no pending draft"

_ERROR_OUTCOMES = frozenset({Outcome.CONFLICT.value, Outcome.FAILED.value, "pending"})
_DONE_OUTCOMES = frozenset({Outcome.APPLIED.value, Outcome.AT_TARGET.value})


def _not_done(outcome: ActionOutcome) -> bool:
    # A skipped action (gone, or kept for someone's draft) is a planned change
    # that did not happen; a skipped draft row only means the draft went away.
    return outcome.outcome in _ERROR_OUTCOMES or (
        outcome.outcome == Outcome.SKIPPED.value
        and outcome.target == Target.ACTION.value
    )


@attrs.frozen(kw_only=True)
class ApplyReport:
    """What an apply, resume or rollback did, read back from its journal.

    ``writes`` counts the writes this run made; the outcomes cover every
    write the journal holds for the phase, including earlier runs.
    """

    phase: str
    journal_path: str
    outcomes: tuple[ActionOutcome, ...]
    writes: int = 0

    def summary(self) -> dict[str, int]:
        """How many writes ended up in each outcome."""
        counts = {outcome.value: 0 for outcome in Outcome}
        counts["pending"] = 0
        for item in self.outcomes:
            counts[item.outcome] += 1

        return counts

    @property
    def exit_code(self) -> int:
        """0: all done; 3: partly done (conflicts, failures, skips); 1: nothing done."""
        troubles = sum(1 for o in self.outcomes if _not_done(o))
        done = sum(1 for o in self.outcomes if o.outcome in _DONE_OUTCOMES)
        if not troubles:
            return 0

        return 3 if done else 1

    def describe(self) -> str:
        """A readable account: the summary, then every write that needs attention."""
        counts = ", ".join(f"{n} {name}" for name, n in self.summary().items() if n)
        lines = [
            f"{self.phase.capitalize()}: {counts or 'nothing to do'} (journal {self.journal_path})."
        ]
        lines.extend(
            f"  {o.outcome:<17} {o.name} ({o.action_id}"
            + (", draft" if o.target == Target.DRAFT.value else "")
            + f"): {o.detail}"
            for o in self.outcomes
            if o.detail
        )

        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this report."""
        return {
            "phase": self.phase,
            "journal": self.journal_path,
            "exit_code": self.exit_code,
            "writes": self.writes,
            "summary": self.summary(),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


def _crash_point(boundary: str, count: int) -> None:
    # Test hook only: lets the crash tests kill a real process exactly at a
    # boundary between two journal records. Does nothing unless the
    # variable is set.
    if os.environ.get(CRASH_AT_ENV) == f"{boundary}:{count}":
        os._exit(137)


def _version(raw: Mapping[str, Any]) -> int:
    return int(raw.get("version") or 0)


def _seconds(value: int | None) -> str:
    return "unset" if value is None else f"{value} s"


class _Run:
    """One pass over a journal's phase: the session, the journal and the counters."""

    def __init__(
        self,
        session: Session,
        journal: Journal,
        phase: Phase,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.journal = journal
        self.phase = phase
        self.progress = progress
        self.writes = 0
        self.stopped: str | None = None
        #: Whether the draft strategy's create call made a draft: None while
        #: unknown (the call is in flight, or its answer was lost).
        self.created_draft: bool | None = False
        self._passed: dict[str, int] = {}

    def passed(self, boundary: str) -> None:
        """Count a boundary crossing; the crash hook may end the process here."""
        self._passed[boundary] = self._passed.get(boundary, 0) + 1
        _crash_point(boundary, self._passed[boundary])

    # Reading and writing, per target ---------------------------------------

    def read(self, entry: JournalEntry) -> dict[str, Any] | None:
        """The object as the platform holds it now, or None when it is gone."""
        if entry.target is Target.DRAFT:
            return read_draft(self.session, entry.action_id)
        try:
            return read_action(self.session, entry.action_id)
        except NotFoundError:
            return None

    def write(self, entry: JournalEntry, current: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``entry``'s target timeout onto ``current``, with its version."""
        self.writes += 1
        if entry.target is Target.ACTION:
            return write_timeout(
                self.session, current, entry.to_seconds, _version(current)
            )

        return self._write_draft(entry, current)

    def _write_draft(
        self, entry: JournalEntry, current: Mapping[str, Any]
    ) -> dict[str, Any]:
        what = f"the draft of data action {entry.action_id}"
        _model, after = self.session.invoke(
            what,
            self.session.integrations_api.patch_integrations_action_draft,
            entry.action_id,
            draft_patch_body(current, entry.to_seconds),
            idempotent=False,
        )
        result: dict[str, Any] = dict(after or {})
        if "config" not in result:
            result = read_draft(self.session, entry.action_id) or {}
        changed = differences(current, result)
        if changed:
            raise UnsafeWriteError(
                f"After setting the timeout of {what}, the platform's copy also differs in "
                f"{', '.join(changed)}. Check the draft in Genesys Cloud; its before-image "
                f"is in the journal {self.journal.path}.",
                changed,
            )

        return result


def _decide(
    entry: JournalEntry, current: Mapping[str, Any]
) -> tuple[Outcome | None, str]:
    """What to do with an object read before writing: None means write it."""
    now = timeout_of(current)
    if now == entry.to_seconds:
        return Outcome.AT_TARGET, ""
    if now != entry.from_seconds:
        holds = (
            "its pending draft holds"
            if entry.target is Target.DRAFT
            else "its timeout is now"
        )
        expected = (
            "the value we set," if entry.phase is Phase.ROLLBACK else "the planned"
        )
        return Outcome.CONFLICT, (
            f"{holds} {_seconds(now)}, not {expected} {_seconds(entry.from_seconds)} "
            f"(version {entry.planned_version} -> {_version(current)}); left untouched"
        )

    return None, ""


def _settle(entry: JournalEntry, now: Mapping[str, Any] | None) -> _Verdict:
    """Whether the write recorded as intent landed, from what the platform holds now."""
    if now is None:
        return _Verdict.GONE
    before = entry.before_image or {}
    sent_with = entry.intent_version or 0
    untouched_elsewhere = not differences(before, now)
    # PATCH and publish both add exactly one to the version.
    if _version(now) == sent_with + 1:
        if untouched_elsewhere and timeout_of(now) == entry.to_seconds:
            return _Verdict.LANDED
        # Exactly one write happened and it is not ours, which changes only
        # the timeout, to the target: ours did not land.
        return _Verdict.NOT_LANDED
    untouched = timeout_of(now) == timeout_of(before) and _version(now) == sent_with
    if untouched_elsewhere and untouched:
        return _Verdict.NOT_LANDED

    return _Verdict.CONFLICT


def _conflict_detail(entry: JournalEntry, now: Mapping[str, Any]) -> str:
    changed = differences(entry.before_image or {}, now, ignore=frozenset({"version"}))
    return (
        f"changed by someone else while we wrote it (version {entry.intent_version} -> "
        f"{_version(now)}; {', '.join(changed) or 'version only'}), so whether our write "
        "landed in between cannot be told; left untouched"
    )


def _rebased(entry: JournalEntry, current: Mapping[str, Any]) -> str:
    if entry.planned_version is None or _version(current) == entry.planned_version:
        return ""

    return (
        f"version moved {entry.planned_version} -> {_version(current)} since the plan; "
        "written on top of the newer version, keeping that edit"
    )


def _settle_intent(
    run: _Run, entry: JournalEntry
) -> tuple[JournalEntry, dict[str, Any] | None]:
    """Finish an intent left by a lost answer or a crash; return what is left to write."""
    now = run.read(entry)
    verdict = _settle(entry, now)
    if verdict is _Verdict.LANDED:
        assert now is not None  # a landed write has a current object
        done = run.journal.record_done(
            entry,
            Outcome.APPLIED,
            "settled by re-reading",
            landed_version=_version(now),
        )
        return done, None
    if verdict is _Verdict.NOT_LANDED:
        return entry, now
    if verdict is _Verdict.GONE:
        return run.journal.record_done(
            entry, Outcome.SKIPPED, "it no longer exists"
        ), None
    assert now is not None  # a conflict has a current object

    return run.journal.record_done(
        entry, Outcome.CONFLICT, _conflict_detail(entry, now)
    ), None


def _write_once(
    run: _Run, entry: JournalEntry, current: dict[str, Any]
) -> tuple[JournalEntry, dict[str, Any] | None]:
    """Record the intent, write, and settle; return what is left to write, if anything."""
    entry = run.journal.record_intent(entry, current, _version(current))
    run.passed("after-intent")
    try:
        after = run.write(entry, current)
    except ConflictError:
        # Someone wrote between our read and our write: read and decide again.
        return entry, run.read(entry)
    except UnsafeWriteError as exc:
        now = run.read(entry) or {}
        return run.journal.record_done(
            entry, Outcome.FAILED, str(exc), landed_version=_version(now) or None
        ), None
    except (AuthenticationError, PermissionDeniedError):
        # A refusal of the client itself: nothing landed, and every further
        # write would be refused too. The intent stays open for a resume.
        raise
    except PlatformError as exc:
        return _after_lost_answer(run, entry, exc)
    run.passed("after-patch")
    detail = _rebased(entry, current)

    return run.journal.record_done(
        entry, Outcome.APPLIED, detail, landed_version=_version(after)
    ), None


def _after_lost_answer(
    run: _Run, entry: JournalEntry, error: PlatformError
) -> tuple[JournalEntry, dict[str, Any] | None]:
    """The write failed or its answer was lost: read to learn whether it landed."""
    _log.warning(
        "write of %s failed (%s); reading it back to learn whether it landed",
        entry.action_id,
        error.status,
        extra={
            "event": "write_unsettled",
            "action_id": entry.action_id,
            "status": error.status,
        },
    )
    try:
        entry, left = _settle_intent(run, entry)
    except PlatformError as exc:
        # Cannot tell: the intent stays open and a resume settles it.
        return run.journal.record_failed(
            entry, f"{error} Reading it back failed too: {exc}"
        ), None
    if left is not None and not (error.status == 0 or error.status >= 500):
        # A refusal (4xx) means the platform did not act; trying again would be refused too.
        return run.journal.record_failed(entry, str(error)), None

    return entry, left


#: One write attempt: the entry as journaled, and the object as it now stands
#: (None once the entry is settled).
_Attempt = Callable[
    [_Run, JournalEntry, dict[str, Any]], tuple[JournalEntry, dict[str, Any] | None]
]


def _decide_and_write(
    run: _Run,
    entry: JournalEntry,
    current: dict[str, Any] | None,
    attempt: _Attempt,
) -> JournalEntry:
    """Decide on ``current`` and write, again while others' edits get in first."""
    for _attempt in range(_MAX_ATTEMPTS):
        if current is None:
            return run.journal.record_done(
                entry, Outcome.SKIPPED, "it no longer exists"
            )
        outcome, detail = _decide(entry, current)
        if outcome is not None:
            return run.journal.record_done(entry, outcome, detail)
        entry, current = attempt(run, entry, current)
        if current is None:
            return entry

    return run.journal.record_failed(
        entry, f"gave up after {_MAX_ATTEMPTS} attempts: others kept editing it"
    )


def _process(run: _Run, entry: JournalEntry, attempt: _Attempt) -> JournalEntry:
    """Bring one write to a settled state, writing with ``attempt`` if it is still due.

    An open intent is settled first. Under the draft strategy a crash may
    have come between creating our draft and recording it, or after: that
    draft is claimed and deleted before anything else. Both steps do
    nothing when the journal says no draft was asked for or made, as for
    every patch-strategy write.
    """
    if entry.state is WriteState.DONE:
        return entry
    current: dict[str, Any] | None
    if entry.state is WriteState.INTENT:
        entry = _claim_fresh_draft(run, entry)
        entry, _note = _delete_own_draft(run, entry)
        entry, current = _settle_intent(run, entry)
        if current is None:
            return entry
    else:
        current = run.read(entry)

    return _decide_and_write(run, entry, current, attempt)


def _process_safely(
    run: _Run, entry: JournalEntry, step: Callable[[], JournalEntry]
) -> JournalEntry:
    """Run ``step``; record a failure instead of stopping the whole run."""
    try:
        return step()
    except (AuthenticationError, PermissionDeniedError) as exc:
        # Every further call would be refused the same way: stop here.
        run.stopped = str(exc)
        return run.journal.record_failed(entry, str(exc))
    except GenesysTimeoutsError as exc:
        return run.journal.record_failed(entry, str(exc))


# The draft strategy -----------------------------------------------------------

#: The fields that make a draft what it is, compared to tell whose it is.
_DRAFT_KEYS = ("name", "category", "integrationId", "secure", "config", "contract")


class _InvalidDraftError(GenesysTimeoutsError):
    """The platform's validation refused the draft we made."""


class _MovedError(GenesysTimeoutsError):
    """The published action changed while our draft of it was being prepared."""


def _is_fresh_copy(draft: Mapping[str, Any], before: Mapping[str, Any]) -> bool:
    """Whether ``draft`` is an unedited copy of ``before``, as creating a draft makes."""
    same = not differences(
        before, draft, keys=_DRAFT_KEYS, ignore=frozenset({"version"})
    )
    return same and _version(draft) in (1, _version(before))


def _latest(run: _Run, entry: JournalEntry) -> JournalEntry:
    found = run.journal.entry(entry.phase, entry.action_id, entry.target)
    return entry if found is None else found


def _claim_fresh_draft(run: _Run, entry: JournalEntry) -> JournalEntry:
    """After a lost answer or a crash around creating our draft, claim it if it is ours.

    Only a draft the journal says we asked for, and only an unedited copy
    of the before-image, is claimed: that is what our create call makes,
    and it holds nobody's work. A draft anyone has edited, or one that
    appeared when we had not asked for any, is never claimed.
    """
    if entry.own_draft or not entry.draft_asked:
        return entry
    try:
        draft = read_draft(run.session, entry.action_id)
    except PlatformError:
        return entry
    if draft is not None and _is_fresh_copy(draft, entry.before_image or {}):
        return run.journal.record_own_draft(entry, exists=True)

    return entry


def _delete_own_draft(run: _Run, entry: JournalEntry) -> tuple[JournalEntry, str]:
    """Delete the draft this run created, if the journal says it may exist; say what happened."""
    if not entry.own_draft:
        return entry, ""
    what = f"the draft of data action {entry.action_id}"
    try:
        draft = read_draft(run.session, entry.action_id)
        if draft is None:
            return run.journal.record_own_draft(entry, exists=False), ""
        if differences(entry.before_image or {}, draft, keys=_DRAFT_KEYS):
            return entry, (
                " The draft we created has been edited by someone since, so it was left "
                "in place; check it in Genesys Cloud."
            )
        run.session.invoke(
            what,
            run.session.integrations_api.delete_integrations_action_draft,
            entry.action_id,
        )
    except PlatformError as exc:
        return (
            entry,
            f" Deleting the draft we created failed ({exc}); delete it in Genesys Cloud.",
        )

    return (
        run.journal.record_own_draft(entry, exists=False),
        " The draft we created was deleted.",
    )


def _publish_via_draft(run: _Run, entry: JournalEntry) -> JournalEntry:
    """Create our draft, set its timeout, validate it and publish it."""
    api = run.session.integrations_api
    what = f"the draft of data action {entry.action_id}"
    entry = run.journal.record_draft_asked(entry)
    run.created_draft = None
    try:
        run.session.invoke(
            what, api.post_integrations_action_draft, entry.action_id, idempotent=False
        )
    except PlatformError as exc:
        # A refusal (4xx) created nothing; a lost answer may have created it.
        if 0 < exc.status < 500:
            run.created_draft = False
            run.journal.record_own_draft(entry, exists=False)
        raise
    run.created_draft = True
    run.passed("after-draft-post")
    entry = run.journal.record_own_draft(entry, exists=True)
    run.passed("after-draft-create")
    draft = read_draft(run.session, entry.action_id)
    if draft is None:
        raise _InvalidDraftError(
            f"The draft we created of data action {entry.action_id} disappeared before it "
            "could be changed; someone deleted or published it."
        )
    patched = run._write_draft(entry, draft)
    run.passed("after-draft-patch")
    _model, validation = run.session.invoke(
        what, api.get_integrations_action_draft_validation, entry.action_id
    )
    if not (validation or {}).get("valid"):
        errors = (
            "; ".join(
                str(e.get("message") if isinstance(e, Mapping) else e)
                for e in (validation or {}).get("errors") or []
            )
            or "no reason given"
        )
        raise _InvalidDraftError(f"The platform found the draft invalid: {errors}.")
    # Publishing replaces the published action whatever happened to it since
    # our read, so check it has not moved; someone's edit is never overwritten.
    published_now = read_action(run.session, entry.action_id)
    if _version(published_now) != entry.intent_version:
        raise _MovedError(
            f"Data action {entry.action_id} changed while our draft was being prepared."
        )
    run.writes += 1
    run.session.invoke(
        what,
        api.post_integrations_action_draft_publish,
        entry.action_id,
        {"version": _version(patched)},
        idempotent=False,
    )
    run.passed("after-publish")

    # Publishing consumes the draft.
    return run.journal.record_own_draft(entry, exists=False)


def _draft_attempt(
    run: _Run, entry: JournalEntry, current: dict[str, Any]
) -> tuple[JournalEntry, dict[str, Any] | None]:
    """One try of the draft strategy; return what is left to decide, if anything."""
    if read_draft(run.session, entry.action_id) is not None:
        return run.journal.record_done(
            entry,
            Outcome.SKIPPED,
            "it has someone's pending draft, which the draft strategy never touches; "
            "use the patch strategy for it",
        ), None
    entry = run.journal.record_intent(entry, current, _version(current))
    run.passed("after-intent")
    run.created_draft = False
    try:
        entry = _publish_via_draft(run, entry)
    except _MovedError:
        entry, _note = _delete_own_draft(run, _latest(run, entry))
        return entry, run.read(entry)
    except GenesysTimeoutsError as exc:
        entry = _latest(run, entry)
        if run.created_draft is None:
            entry = _claim_fresh_draft(run, entry)
        entry, cleanup = _delete_own_draft(run, entry)
        entry, left = _settle_intent(run, entry)
        if left is None:
            return entry, None
        return run.journal.record_failed(entry, f"{exc}{cleanup}"), None

    now = run.read(entry)
    if _settle(entry, now) is _Verdict.LANDED and now is not None:
        return run.journal.record_done(
            entry,
            Outcome.APPLIED,
            _rebased(entry, current),
            landed_version=_version(now),
        ), None
    entry, _left = _settle_intent(run, entry)

    return entry, None


# Pending drafts -----------------------------------------------------------------


def _pending_draft_entry(run: _Run, entry: JournalEntry) -> JournalEntry:
    """The journal row for the action's pending draft, added when first seen."""
    found = run.journal.entry(run.phase, entry.action_id, Target.DRAFT)
    if found is not None:
        return found
    draft = read_draft(run.session, entry.action_id)
    row = (
        entry.action_id,
        entry.name,
        timeout_of(draft) if draft else None,
        entry.to_seconds,
        _version(draft) if draft else None,
    )
    run.journal.add_planned(run.phase, Target.DRAFT, [row])
    added = run.journal.entry(run.phase, entry.action_id, Target.DRAFT)
    assert added is not None  # just added
    if draft is None:
        return run.journal.record_done(added, Outcome.SKIPPED, _NO_DRAFT)

    return added


def _note_draft_value(run: _Run, action: JournalEntry, draft: JournalEntry) -> None:
    """Say so when the patched draft held a timeout of its own, not the action's old one."""
    if (
        draft.outcome is not Outcome.APPLIED
        or draft.from_seconds == action.from_seconds
    ):
        return
    note = (
        f"the draft held {_seconds(draft.from_seconds)} of its own (the published action "
        f"had {_seconds(action.from_seconds)}); both now hold {_seconds(draft.to_seconds)}"
    )
    if note not in draft.detail:
        run.journal.record_done(
            draft,
            Outcome.APPLIED,
            "; ".join(part for part in (draft.detail, note) if part),
            landed_version=draft.landed_version,
        )


def _drafts_note(plan: Plan, entry: JournalEntry) -> str:
    change = next((c for c in plan.changes if c.action_id == entry.action_id), None)
    if change is None or not change.has_draft:
        return ""

    return (
        "its pending draft still holds the old timeout; publishing that draft would undo "
        "this change (include drafts, --include-drafts on the command line, to patch it too)"
    )


# Running a phase ---------------------------------------------------------------


def _bound(
    run: _Run, entry: JournalEntry, attempt: _Attempt
) -> Callable[[], JournalEntry]:
    return lambda: _process(run, entry, attempt)


def _handle_action(run: _Run, entry: JournalEntry, *, include_drafts: bool) -> None:
    if entry.strategy == "draft":
        entry = _process_safely(run, entry, _bound(run, entry, _draft_attempt))
    else:
        entry = _process_safely(run, entry, _bound(run, entry, _write_once))
    settled_ours = entry.state is WriteState.DONE and entry.outcome in (
        Outcome.APPLIED,
        Outcome.AT_TARGET,
    )
    if not settled_ours or run.stopped:
        return
    if include_drafts:
        try:
            draft_entry = _pending_draft_entry(run, entry)
        except GenesysTimeoutsError as exc:
            # The action itself is settled; say why its draft is not.
            _log.warning("could not read the draft of %s: %s", entry.action_id, exc)
            return
        draft_entry = _process_safely(
            run, draft_entry, _bound(run, draft_entry, _write_once)
        )
        _note_draft_value(run, entry, draft_entry)
    elif run.phase is Phase.APPLY:
        note = _drafts_note(run.journal.plan, entry)
        if note and note not in entry.detail:
            detail = "; ".join(part for part in (entry.detail, note) if part)
            run.journal.record_done(
                entry,
                entry.outcome or Outcome.APPLIED,
                detail,
                landed_version=entry.landed_version,
            )


def _run_phase(run: _Run, *, include_drafts: bool) -> None:
    actions = run.journal.entries(run.phase, Target.ACTION)
    for number, entry in enumerate(actions, 1):
        if run.stopped:
            break
        _handle_action(run, entry, include_drafts=include_drafts)
        if run.progress is not None:
            run.progress(number, len(actions))


def _outcome_name(entry: JournalEntry) -> str:
    if entry.outcome is None:
        return "pending"

    return entry.outcome.value


def _report(run: _Run) -> ApplyReport:
    outcomes = []
    for e in run.journal.entries(run.phase):
        if e.target is Target.DRAFT and e.detail == _NO_DRAFT:
            continue  # only a note that there was nothing to do
        detail = e.detail
        if e.state is not WriteState.DONE and e.outcome is Outcome.FAILED:
            detail = f"{detail} (not settled: resume the journal)"
        outcomes.append(
            ActionOutcome(
                action_id=e.action_id,
                name=e.name,
                target=e.target.value,
                outcome=_outcome_name(e),
                from_seconds=e.from_seconds,
                to_seconds=e.to_seconds,
                version_before=e.intent_version or e.planned_version,
                version_after=e.landed_version,
                detail=detail,
            )
        )

    return ApplyReport(
        phase=run.phase.value,
        journal_path=str(run.journal.path),
        outcomes=tuple(outcomes),
        writes=run.writes,
    )


def _all_done(journal: Journal, phase: Phase) -> bool:
    return all(e.state is WriteState.DONE for e in journal.entries(phase))


def _check_org(session: Session, journal: Journal) -> None:
    """Refuse a journal written for another org, before anything is written."""
    if journal.base_url.rstrip("/") != session.base_url.rstrip("/"):
        raise InvalidInputError(
            f"The journal {journal.path} is for the org at {journal.base_url}, but this "
            f"session is connected to {session.base_url}. Connect to the journal's org."
        )
    if journal.client_id == session.client_id:
        return  # an OAuth client belongs to exactly one org
    # Every org of a region shares its base URL, and a colleague may resume
    # with a client of their own: the journal's actions tell the orgs apart,
    # since action ids are unique across orgs.
    ids = sorted({c.action_id for c in journal.plan.changes})[:IDS_PER_CALL]
    if not ids:
        return
    found = pages(
        session,
        "the data actions",
        session.integrations_api.get_integrations_actions,
        ids=ids,
        include_auth_actions=True,
    )
    if next(iter(found), None) is None:
        raise InvalidInputError(
            f"The journal {journal.path} was written by client {journal.client_id}, and "
            f"none of the {len(ids)} data actions it lists exist in the org this session "
            f"(client {session.client_id}) is connected to: it belongs to another org. "
            "Connect to the journal's org; if its actions were deleted, there is nothing "
            "left to resume or roll back."
        )


def _apply_journal(
    session: Session, journal: Journal, progress: Progress | None
) -> ApplyReport:
    run = _Run(session, journal, Phase.APPLY, progress)
    _run_phase(run, include_drafts=journal.include_drafts)
    if _all_done(journal, Phase.APPLY):
        journal.set_status("applied")

    return _report(run)


def apply(
    session: Session,
    plan: Plan,
    *,
    journal: str | Path | None = None,
    include_drafts: bool = False,
    strategy: str = "patch",
    progress: Progress | None = None,
) -> ApplyReport:
    """Apply ``plan`` to the org, recording every step in a new journal.

    ``journal`` is the path of the journal to create (default:
    :func:`default_journal_path`); it must not exist yet. Each action is
    read, its whole before-image recorded, and its timeout written with the
    version just read, which must be the planned one unless only other
    fields changed. ``include_drafts`` also sets the timeout in pending
    drafts (never publishing them). ``strategy="draft"`` changes each action
    through a draft of its own that is validated and published.
    """
    if strategy not in STRATEGIES:
        raise InvalidInputError(
            f"The strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}."
        )
    path = Path(journal) if journal is not None else default_journal_path()
    with Journal.create(
        path,
        plan,
        base_url=session.base_url,
        client_id=session.client_id,
        strategy=strategy,
        include_drafts=include_drafts,
    ) as opened:
        return _apply_journal(session, opened, progress)


def resume(
    session: Session, journal: str | Path, *, progress: Progress | None = None
) -> ApplyReport:
    """Finish an apply that stopped, settling whatever it left half done.

    Writes recorded as intent are settled by reading the platform; planned
    ones are applied as :func:`apply` would. A finished journal changes
    nothing.
    """
    with Journal.open(journal) as opened:
        _check_org(session, opened)
        if opened.status in ("rolling-back", "rolled-back"):
            raise InvalidInputError(
                f"The journal {opened.path} has been rolled back; it cannot be resumed. "
                "Make a new plan instead."
            )
        return _apply_journal(session, opened, progress)


def _close_apply_phase(run: _Run) -> None:
    """Before rolling back, settle every apply write that is still open."""
    for entry in run.journal.entries(Phase.APPLY):
        if entry.state is WriteState.INTENT:
            entry, _left = _settle_intent(run, entry)
        if entry.state is not WriteState.DONE:
            run.journal.record_done(entry, Outcome.SKIPPED, "cancelled by rollback")


def _rollback_rows(
    journal: Journal, target: Target
) -> list[tuple[str, str, int | None, int | None, int | None]]:
    rows: list[tuple[str, str, int | None, int | None, int | None]] = []
    for entry in journal.entries(Phase.APPLY, target):
        if entry.landed_version is None or entry.before_image is None:
            continue
        rows.append(
            (
                entry.action_id,
                entry.name,
                entry.to_seconds,
                timeout_of(entry.before_image),
                entry.landed_version,
            )
        )

    return rows


def rollback(
    session: Session, journal: str | Path, *, progress: Progress | None = None
) -> ApplyReport:
    """Put back the timeout each applied write replaced, where ours is still there.

    Only writes that landed are rolled back, and only where the current
    timeout is still the one we set; anything else is reported, never
    overwritten. An unset timeout is restored by writing the whole config
    without ``timeoutSeconds``. The rollback is journaled in the same file:
    a second rollback changes nothing.
    """
    with Journal.open(journal) as opened:
        _check_org(session, opened)
        run = _Run(session, opened, Phase.ROLLBACK, progress)
        if opened.status in ("applying", "applied"):
            _close_apply_phase(run)
            for target in Target:
                opened.add_planned(
                    Phase.ROLLBACK, target, _rollback_rows(opened, target)
                )
            opened.set_status("rolling-back")
        rows = opened.entries(Phase.ROLLBACK)
        for number, entry in enumerate(rows, 1):
            if run.stopped:
                break
            _process_safely(run, entry, _bound(run, entry, _write_once))
            if progress is not None:
                progress(number, len(rows))
        if _all_done(opened, Phase.ROLLBACK):
            opened.set_status("rolled-back")

        return _report(run)
