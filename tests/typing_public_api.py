"""The public API used as a customer would: checked by mypy --strict, never run.

Every variable is annotated with the type a customer would write, so a
breaking change to a public signature or return type fails ``mypy``. The
name has no ``test_`` prefix, so pytest does not collect it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from genesys_timeouts import (
    DEFAULT_TIMEOUT_SECONDS,
    ActionDetail,
    ActionKind,
    ApplyReport,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DataAction,
    GenesysTimeoutsError,
    InvalidInputError,
    InvalidTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    Plan,
    PlannedChange,
    PlatformError,
    RateLimitedError,
    RetryPolicy,
    Selection,
    Session,
    UnsafeWriteError,
    UpdateResult,
    apply,
    connect,
    inspect_action,
    list_actions,
    plan_timeouts,
    rollback,
    update_timeout,
    validate_timeout,
)
from genesys_timeouts.flows import (
    ActionImpact,
    FlowImpact,
    FlowOverride,
    find_overrides,
)


def connect_all_ways() -> Session:
    """Connect from the environment, from arguments, and with every option."""
    from_env: Session = connect()
    explicit: Session = connect("client-id", "secret", "eu-west-1")
    tuned: Session = connect(
        client_id="client-id",
        client_secret="secret",
        region="https://api.mypurecloud.ie",
        timeout_seconds=10.0,
        retry=RetryPolicy(attempts=3, max_retry_after_seconds=60.0),
        env={"GENESYSCLOUD_REGION": "us_east_1"},
    )
    instant: RetryPolicy = RetryPolicy.instant()
    once: RetryPolicy = RetryPolicy.never()
    del from_env, explicit, instant, once

    return tuned


def audit(session: Session) -> dict[int, int]:
    """Count actions per effective timeout, reading every field a report shows."""
    counts: dict[int, int] = {}
    actions: Iterator[DataAction] = list_actions(
        session,
        name="Lookup",
        category="Web Services Data Actions",
        integration_id="integration-id",
        ids=["custom_-_a", "custom_-_b"],
        timeout_equals=3,
        timeout_below=10,
        timeout_unset=False,
    )
    for action in actions:
        action_id: str = action.id
        name: str = action.name
        category: str = action.category
        integration: str = action.integration_id
        version: int = action.version
        secure: bool = action.secure
        kind: ActionKind = action.kind
        timeout: int | None = action.timeout_seconds
        effective: int = action.effective_timeout_seconds
        pending: bool = action.has_draft
        editable: bool = action.editable
        reason: str | None = action.not_editable_reason
        plain: dict[str, Any] = action.to_dict()
        del action_id, name, category, integration, version, secure, kind
        del timeout, pending, editable, reason, plain
        counts[effective] = counts.get(effective, 0) + 1
    counts.setdefault(DEFAULT_TIMEOUT_SECONDS, 0)

    return counts


def show(session: Session, action_id: str) -> int | None:
    """Inspect one action and read its config, contract and draft."""
    detail: ActionDetail = inspect_action(session, action_id)
    action: DataAction = detail.action
    config: Mapping[str, Any] = detail.config
    contract: Mapping[str, Any] | None = detail.contract
    draft: Mapping[str, Any] | None = detail.draft
    draft_timeout: int | None = detail.draft_timeout_seconds
    del action, config, contract, draft

    return draft_timeout


def raise_one(session: Session, action: DataAction) -> UpdateResult | None:
    """Validate, then update one action, handling each error a customer branches on."""
    try:
        warnings: tuple[str, ...] = validate_timeout(action, 30)
    except InvalidTimeoutError:
        return None
    del warnings

    try:
        result: UpdateResult = update_timeout(session, action, 30)
        by_id: UpdateResult = update_timeout(
            session, action.id, 30, expected_version=action.version
        )
    except ConflictError as conflict:
        status: int = conflict.status
        correlation: str | None = conflict.correlation_id
        del status, correlation
        return None
    except UnsafeWriteError as unsafe:
        differences: tuple[str, ...] = unsafe.differences
        del differences
        return None
    except RateLimitedError as limited:
        wait: float | None = limited.retry_after
        del wait
        return None
    except (NotFoundError, PermissionDeniedError, AuthenticationError):
        return None
    except PlatformError as failure:
        code: str | None = failure.code
        del code
        return None
    except (ConfigurationError, InvalidInputError, ValueError):
        return None
    except GenesysTimeoutsError:
        return None
    del by_id

    before: int | None = result.before
    after: int | None = result.after
    versions: tuple[int, int] = (result.version_before, result.version_after)
    del before, after, versions

    return result


def bulk(session: Session, journal: Path) -> tuple[ApplyReport, ApplyReport]:
    """Plan, check flows, apply and roll back, as the bulk workflow does."""
    listed: list[DataAction] = list(list_actions(session, timeout_equals=3))
    plan: Plan = plan_timeouts(
        listed, to=10, where=Selection(timeout_equals=3, name_contains="lookup")
    )
    changes: tuple[PlannedChange, ...] = plan.changes
    impact: FlowImpact = find_overrides(session, [c.action_id for c in changes])
    for action_id in impact.actions:
        one: ActionImpact = impact.actions[action_id]
        steps: tuple[FlowOverride, ...] = one.steps
        seconds: list[float | None] = [step.timeout_seconds for step in steps]
        del seconds

    applied: ApplyReport = apply(session, plan, journal=journal)
    undone: ApplyReport = rollback(session, journal)
    code: int = applied.exit_code

    del code
    return applied, undone
