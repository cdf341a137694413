"""List, inspect, validate and update data-action timeouts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from ._clone import action_patch_body, differences, timeout_of
from ._errors import (
    ConflictError,
    InvalidInputError,
    InvalidTimeoutError,
    NotFoundError,
    UnsafeWriteError,
)
from ._models import (
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    NOT_EDITABLE_REASONS,
    ActionDetail,
    ActionKind,
    DataAction,
    UpdateResult,
)
from ._session import Session

__all__ = [
    "check_id",
    "check_seconds",
    "inspect_action",
    "list_actions",
    "read_action",
    "update_timeout",
    "validate_timeout",
    "write_timeout",
]

_log = logging.getLogger("genesys_timeouts")

#: The largest page the listing endpoints are known to serve.
PAGE_SIZE = 100
#: The most ids one listing call may filter on.
IDS_PER_CALL = 50


def pages(
    session: Session, what: str, call: Callable[..., Any], **query: Any
) -> Iterator[Mapping[str, Any]]:
    """Every entity of a paged listing, reading until the last page.

    Stops at ``pageNumber >= pageCount`` or at an empty page, whichever
    comes first, so a listing is never cut short by a stale ``total``. An
    answer without ``pageCount`` is followed for as long as it names a
    ``nextUri``.
    """
    number = 1
    while True:
        _model, body = session.invoke(
            what, call, page_size=PAGE_SIZE, page_number=number, **query
        )
        body = body or {}
        entities = body.get("entities") or []
        yield from entities
        if not entities or _last_page(body, number):
            return
        number += 1


def _last_page(body: Mapping[str, Any], number: int) -> bool:
    page_count = body.get("pageCount")
    if page_count is not None:
        return number >= int(page_count)

    return not body.get("nextUri")


def integration_types(session: Session) -> dict[str, str]:
    """Integration id to integration type id, for every integration of the org."""
    return {
        entity["id"]: (entity.get("integrationType") or {}).get("id", "")
        for entity in pages(
            session, "the integrations", session.integrations_api.get_integrations
        )
    }


def _action_from_raw(
    raw: Mapping[str, Any], types: Mapping[str, str], draft_ids: Iterable[str]
) -> DataAction:
    integration_id = raw.get("integrationId") or ""
    return DataAction(
        id=raw["id"],
        name=raw.get("name") or "",
        category=raw.get("category") or "",
        integration_id=integration_id,
        version=int(raw.get("version") or 1),
        secure=bool(raw.get("secure")),
        kind=ActionKind.classify(raw["id"], types.get(integration_id)),
        timeout_seconds=timeout_of(raw),
        has_draft=raw["id"] in draft_ids,
    )


def _draft_ids(session: Session) -> set[str]:
    listing = pages(
        session,
        "the data-action drafts",
        session.integrations_api.get_integrations_actions_drafts,
        include_auth_actions=True,
    )
    return {entity["id"] for entity in listing}


def _timeout_matches(
    action: DataAction,
    equals: int | None,
    below: int | None,
    unset: bool,
) -> bool:
    if unset and action.timeout_seconds is not None:
        return False
    if equals is not None and action.timeout_seconds != equals:
        return False

    return below is None or action.effective_timeout_seconds < below


def _optional_seconds(value: object, argument: str, top: int) -> None:
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_TIMEOUT_SECONDS <= value <= top
    ):
        raise InvalidInputError(
            f"{argument} must be None or a whole number of seconds from "
            f"{MIN_TIMEOUT_SECONDS} to {top}, not {value!r}."
        )


def _wanted_ids(ids: Iterable[str] | None) -> list[str] | None:
    if ids is None:
        return None
    if isinstance(ids, str):
        raise InvalidInputError(
            f"ids must be a collection of action ids, not the single string {ids!r}; "
            "pass [action_id] for one action."
        )

    return sorted({check_id(action_id) for action_id in ids})


def list_actions(
    session: Session,
    *,
    name: str | None = None,
    category: str | None = None,
    integration_id: str | None = None,
    ids: Iterable[str] | None = None,
    timeout_equals: int | None = None,
    timeout_below: int | None = None,
    timeout_unset: bool = False,
) -> Iterator[DataAction]:
    """Yield the org's published data actions, with their timeouts.

    One listing call per 100 actions (with ``includeConfig=true``), plus
    one for the integrations and one per 100 drafts; never a call per
    action. ``ids`` are asked for 50 at a time, as the platform allows.
    ``name`` matches part of the name, as the platform does;
    ``timeout_below`` compares the effective timeout (60 s when unset).
    Custom-authentication actions are included and marked not editable.
    Bad arguments raise :class:`InvalidInputError` at once, before any call.
    """
    _optional_seconds(timeout_equals, "timeout_equals", MAX_TIMEOUT_SECONDS)
    _optional_seconds(timeout_below, "timeout_below", MAX_TIMEOUT_SECONDS + 1)
    wanted = _wanted_ids(ids)
    query: dict[str, Any] = {"include_config": True, "include_auth_actions": True}
    if name:
        query["name"] = name
    if category:
        query["category"] = category

    def generate() -> Iterator[DataAction]:
        if wanted is not None and not wanted:
            return
        types = integration_types(session)
        draft_ids = _draft_ids(session)
        chunks = (
            [wanted[i : i + IDS_PER_CALL] for i in range(0, len(wanted), IDS_PER_CALL)]
            if wanted is not None
            else [None]
        )
        for chunk in chunks:
            if chunk is not None:
                query["ids"] = chunk
            listing = pages(
                session,
                "the data actions",
                session.integrations_api.get_integrations_actions,
                **query,
            )
            for raw in listing:
                action = _action_from_raw(raw, types, draft_ids)
                if integration_id and action.integration_id != integration_id:
                    continue
                if _timeout_matches(
                    action, timeout_equals, timeout_below, timeout_unset
                ):
                    yield action

    return generate()


#: Characters that would change the meaning of a URL path or an ``ids`` list.
_NOT_IN_IDS = frozenset("/?#,%\\ \t\r\n")


def check_id(action_id: object) -> str:
    """``action_id`` stripped, or an :class:`InvalidInputError` if it cannot be an action id."""
    text = action_id.strip() if isinstance(action_id, str) else ""
    if not text or _NOT_IN_IDS & set(text):
        raise InvalidInputError(
            f"{action_id!r} is not a data-action id. Ids look like "
            "custom_-_<uuid>; `genesys-timeouts audit` lists them."
        )

    return text


def read_action(session: Session, action_id: str) -> dict[str, Any]:
    """The published action exactly as the platform holds it, config and contract included."""
    action_id = check_id(action_id)
    _model, raw = session.invoke(
        f"data action {action_id}",
        session.integrations_api.get_integrations_action,
        action_id,
        expand="contract",
        include_config=True,
    )
    return dict(raw)


def read_draft(session: Session, action_id: str) -> dict[str, Any] | None:
    """The pending draft of an action as the platform holds it, or None."""
    try:
        _model, raw = session.invoke(
            f"the draft of data action {action_id}",
            session.integrations_api.get_integrations_action_draft,
            action_id,
            expand="contract",
            include_config=True,
        )
    except NotFoundError:
        return None

    return dict(raw)


def inspect_action(session: Session, action_id: str) -> ActionDetail:
    """One action with its whole config and contract, and its pending draft."""
    action_id = check_id(action_id)
    try:
        raw = read_action(session, action_id)
    except NotFoundError as exc:
        draft = read_draft(session, action_id)
        if draft is not None:
            raise NotFoundError(
                f"Data action {action_id} has never been published; only a draft "
                "exists. Publish it in Genesys Cloud before changing its timeout.",
                status=404,
            ) from exc
        raise

    draft = read_draft(session, action_id)
    types = integration_types(session)
    action = _action_from_raw(raw, types, {action_id} if draft is not None else set())

    return ActionDetail(action=action, raw=raw, draft=draft)


def check_seconds(seconds: object) -> int:
    """Return ``seconds`` if it is an integer from 1 to 60, else raise.

    Bools, floats and strings are refused, even ``10.0`` or ``"10"``: a
    timeout is a whole number of seconds and the caller should say so.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidTimeoutError(
            f"A timeout must be a whole number of seconds from {MIN_TIMEOUT_SECONDS} "
            f"to {MAX_TIMEOUT_SECONDS}, not {seconds!r}."
        )
    if not MIN_TIMEOUT_SECONDS <= seconds <= MAX_TIMEOUT_SECONDS:
        raise InvalidTimeoutError(
            f"A timeout of {seconds} s is outside what the platform accepts: "
            f"give a whole number from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}."
        )

    return seconds


def validate_timeout(action: DataAction, seconds: object) -> tuple[str, ...]:
    """Check ``seconds`` as a new timeout for ``action``; return any warnings.

    Raises :class:`InvalidTimeoutError` (also a ``ValueError``) when the
    value is not an integer from 1 to 60, or when the action cannot take a
    timeout. Lowering a timeout, a function action and a pending draft are
    warnings, not errors.
    """
    seconds = check_seconds(seconds)
    if not action.editable:
        raise InvalidTimeoutError(
            f"Data action {action.id} ({action.name}) is {action.not_editable_reason}; "
            "its timeout cannot be set."
        )

    warnings: list[str] = []
    if seconds < action.effective_timeout_seconds:
        warnings.append(
            f"{action.name}: {seconds} s is lower than its current "
            f"{action.effective_timeout_seconds} s; calls that now succeed may time out."
        )
    if action.kind is ActionKind.FUNCTION:
        warnings.append(
            f"{action.name}: a function action also has the function's own timeout "
            "(1 to 15 s, default 15 s), which this change does not touch."
        )
    if action.has_draft:
        warnings.append(
            f"{action.name}: an unpublished draft still holds the old timeout; "
            "publishing that draft later would undo this change."
        )

    return tuple(warnings)


def _unsafe_changes(
    raw: Mapping[str, Any], after: Mapping[str, Any], seconds: int | None
) -> tuple[str, ...]:
    """What the platform's copy shows beyond the one change that was sent."""
    keys: tuple[str, ...] = ("name", "category", "integrationId", "secure", "config")
    if "contract" in raw and "contract" in after:
        # A PATCH cannot change the contract; compare it when both copies hold it.
        keys += ("contract",)
    changed = list(differences(raw, after, keys=keys))
    if timeout_of(after) != seconds:
        changed.append("config.timeoutSeconds")

    return tuple(changed)


def write_timeout(
    session: Session, raw: Mapping[str, Any], seconds: int | None, version: int
) -> dict[str, Any]:
    """PATCH ``raw``'s whole config with only the timeout changed; return the new state.

    Raises :class:`ConflictError` on a version mismatch; the caller decides
    what to do. The returned object is checked against ``raw``: anything
    else changed, or a timeout that did not take, raises
    :class:`UnsafeWriteError`.
    """
    action_id = raw["id"]
    what = f"data action {action_id}"
    _model, body = session.invoke(
        what,
        session.integrations_api.patch_integrations_action,
        action_id,
        action_patch_body(raw, seconds, version),
        idempotent=False,
    )
    after: dict[str, Any] = dict(body or {})
    if "config" not in after:
        after = read_action(session, action_id)

    changed = _unsafe_changes(raw, after, seconds)
    if changed:
        _log.error(
            "the platform's copy of %s differs after the write in %s",
            action_id,
            ", ".join(changed),
            extra={"event": "unsafe_write", "action_id": action_id},
        )
        raise UnsafeWriteError(
            f"After setting the timeout of {what} ({raw.get('name')}) to "
            f"{_shown(seconds)}, the platform's copy differs in {', '.join(changed)} "
            "beyond the timeout and version. Check the action in Genesys Cloud; "
            "the before-image is in the journal or the log.",
            changed,
        )
    _log.info(
        "timeout of %s changed from %s to %s (version %s -> %s)",
        action_id,
        timeout_of(raw),
        seconds,
        version,
        after.get("version"),
        extra={"event": "timeout_changed", "action_id": action_id, "to": seconds},
    )

    return after


def _shown(seconds: int | None) -> str:
    return "unset" if seconds is None else f"{seconds} s"


def _listed_changes(action: DataAction, now: Mapping[str, Any]) -> tuple[str, ...]:
    """What differs between an action as it was listed and as the platform holds it now."""
    changed = [
        f"{label} {before!r} -> {after!r}"
        for label, before, after in (
            ("name", action.name, now.get("name") or ""),
            ("category", action.category, now.get("category") or ""),
            ("integration", action.integration_id, now.get("integrationId") or ""),
            ("secure", action.secure, bool(now.get("secure"))),
        )
        if before != after
    ]
    if action.timeout_seconds != timeout_of(now):
        changed.append(
            f"timeout {_shown(action.timeout_seconds)} -> {_shown(timeout_of(now))}"
        )

    return tuple(changed)


def _conflict(
    action_id: str,
    version_seen: int,
    now: Mapping[str, Any],
    changed: tuple[str, ...],
    refusal: ConflictError | None = None,
) -> ConflictError:
    shown = ", ".join(changed) or "only its version is known to have moved"
    _log.warning(
        "data action %s changed since it was read (version %s -> %s); not written",
        action_id,
        version_seen,
        now.get("version"),
        extra={"event": "conflict", "action_id": action_id},
    )
    return ConflictError(
        f"Data action {action_id} was changed by someone else since it was read "
        f"(version {version_seen} -> {now.get('version')}; changed: {shown}). "
        "Nothing was written; read it again and decide.",
        status=refusal.status if refusal is not None else 409,
        code=refusal.code if refusal is not None else None,
        correlation_id=refusal.correlation_id if refusal is not None else None,
    )


def _refuse_uneditable(action: DataAction | str, action_id: str) -> None:
    """Refuse static and custom-authentication actions before anything is sent."""
    kind = ActionKind.classify(action_id)
    if isinstance(action, DataAction) and not action.editable:
        kind = action.kind
    reason = NOT_EDITABLE_REASONS.get(kind)
    if reason is not None:
        raise InvalidTimeoutError(
            f"Data action {action_id} is {reason}; its timeout cannot be set. "
            "Nothing was sent."
        )


def update_timeout(
    session: Session,
    action: DataAction | str,
    seconds: int,
    *,
    expected_version: int | None = None,
) -> UpdateResult:
    """Set one action's timeout, changing nothing else.

    Reads the whole action (one GET with its config and contract), clones
    its config with only ``timeoutSeconds`` changed and PATCHes it with the
    version that was read. That version must be ``expected_version`` when
    given; otherwise, when ``action`` is a :class:`DataAction`, it must be
    ``action.version``, so that an edit made after the action was listed is
    reported, not built upon. Only a bare id writes onto whatever version
    it reads. Someone else's edit is never overwritten: a moved version
    raises :class:`ConflictError` saying what changed, and nothing is
    retried. Static and custom-authentication actions raise
    :class:`InvalidTimeoutError` before any request; a platform copy that
    differs after the write in more than the timeout and version raises
    :class:`UnsafeWriteError`. Warnings (lowering, function actions,
    drafts) are logged; the function-action and draft warnings need a
    listed :class:`DataAction`, since a bare id costs only the one read and
    the one write and says nothing of the integration type or drafts.
    """
    check_seconds(seconds)
    action_id = check_id(action if isinstance(action, str) else action.id)
    _refuse_uneditable(action, action_id)
    if expected_version is None and isinstance(action, DataAction):
        expected_version = action.version

    raw = read_action(session, action_id)
    current = _action_from_raw(raw, {}, set())
    if not isinstance(action, str):
        # The caller's value knows the integration type and drafts; the fresh
        # read knows the current timeout and version.
        current = attrs.evolve(
            action, version=current.version, timeout_seconds=current.timeout_seconds
        )
    version = int(raw["version"])
    if expected_version is not None and expected_version != version:
        changed = (
            _listed_changes(action, raw)
            if isinstance(action, DataAction) and action.version == expected_version
            else ()
        )
        raise _conflict(action_id, expected_version, raw, changed)
    for warning in validate_timeout(current, seconds):
        _log.warning(
            warning, extra={"event": "timeout_warning", "action_id": action_id}
        )

    try:
        after = write_timeout(session, raw, seconds, version)
    except ConflictError as refusal:
        now = read_action(session, action_id)
        changed = differences(raw, now, ignore=frozenset({"version"}))
        raise _conflict(action_id, version, now, changed, refusal) from None

    return UpdateResult(
        action_id=action_id,
        name=str(raw.get("name") or ""),
        before=timeout_of(raw),
        after=timeout_of(after),
        version_before=version,
        version_after=int(after.get("version") or version + 1),
    )
