"""Value types describing data actions and the changes made to them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_TIMEOUT_SECONDS",
    "MIN_TIMEOUT_SECONDS",
    "ActionDetail",
    "ActionKind",
    "DataAction",
    "UpdateResult",
]

#: The platform's timeout when an action sets none.
DEFAULT_TIMEOUT_SECONDS = 60
MIN_TIMEOUT_SECONDS = 1
MAX_TIMEOUT_SECONDS = 60

_STATIC_PREFIX = "static_-_"
_CUSTOM_AUTH_PREFIX = "customAuth_-_"

#: Integration types whose actions run a function rather than an HTTP call.
FUNCTION_INTEGRATION_TYPES = frozenset({"function-data-actions"})


class ActionKind(str, enum.Enum):
    """What sort of data action this is, which decides what may change."""

    STANDARD = "standard"
    CUSTOM_AUTH = "custom-authentication"
    STATIC = "static"
    FUNCTION = "function"

    @classmethod
    def classify(
        cls, action_id: str, integration_type: str | None = None
    ) -> ActionKind:
        """Tell the kind from the action's id and its integration's type."""
        if action_id.startswith(_STATIC_PREFIX):
            return cls.STATIC
        if action_id.startswith(_CUSTOM_AUTH_PREFIX):
            return cls.CUSTOM_AUTH
        if integration_type in FUNCTION_INTEGRATION_TYPES:
            return cls.FUNCTION

        return cls.STANDARD


#: Why the API cannot change the timeout of each kind that cannot take one.
NOT_EDITABLE_REASONS = {
    ActionKind.STATIC: "a built-in action owned by Genesys; the API cannot change it",
    ActionKind.CUSTOM_AUTH: "a custom-authentication action; the platform allows no timeout on it",
}


def _optional_timeout(value: int | None) -> None:
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS
    ):
        msg = f"timeout_seconds must be None or an integer from 1 to 60, not {value!r}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class DataAction:
    """One published data action as the platform lists it.

    ``timeout_seconds`` is None when the action sets no timeout, in which
    case the platform applies ``effective_timeout_seconds`` (60 s).
    """

    id: str = attrs.field(validator=attrs.validators.min_len(1))
    name: str
    category: str = ""
    integration_id: str = ""
    version: int = attrs.field(validator=attrs.validators.ge(1))
    secure: bool = False
    kind: ActionKind = ActionKind.STANDARD
    timeout_seconds: int | None = attrs.field(
        default=None, validator=lambda _i, _a, v: _optional_timeout(v)
    )
    has_draft: bool = False

    @property
    def effective_timeout_seconds(self) -> int:
        """The timeout the platform applies, 60 s when none is set."""
        if self.timeout_seconds is None:
            return DEFAULT_TIMEOUT_SECONDS

        return self.timeout_seconds

    @property
    def editable(self) -> bool:
        """Whether the API lets this action's timeout be changed."""
        return self.kind not in NOT_EDITABLE_REASONS

    @property
    def not_editable_reason(self) -> str | None:
        """Why the timeout cannot be changed, or None when it can."""
        return NOT_EDITABLE_REASONS.get(self.kind)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this action."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "integration_id": self.integration_id,
            "version": self.version,
            "secure": self.secure,
            "kind": self.kind.value,
            "timeout_seconds": self.timeout_seconds,
            "effective_timeout_seconds": self.effective_timeout_seconds,
            "has_draft": self.has_draft,
            "editable": self.editable,
            "not_editable_reason": self.not_editable_reason,
        }


@attrs.frozen(kw_only=True)
class ActionDetail:
    """An action with everything the platform holds about it.

    ``raw`` is the action exactly as the platform returned it (with config
    and contract); ``draft`` is the pending draft, also raw, or None.
    """

    action: DataAction
    raw: Mapping[str, Any] = attrs.field(repr=False, eq=False)
    draft: Mapping[str, Any] | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def config(self) -> Mapping[str, Any]:
        """The action's whole config: request, response and timeout."""
        config: Mapping[str, Any] = self.raw.get("config") or {}
        return config

    @property
    def contract(self) -> Mapping[str, Any] | None:
        """The input and output contract, when the platform returned it."""
        contract: Mapping[str, Any] | None = self.raw.get("contract")
        return contract

    @property
    def draft_timeout_seconds(self) -> int | None:
        """The timeout held by the pending draft, None when unset or no draft."""
        if self.draft is None:
            return None
        value: int | None = (self.draft.get("config") or {}).get("timeoutSeconds")
        return value


@attrs.frozen(kw_only=True)
class UpdateResult:
    """What one timeout update did."""

    action_id: str
    name: str
    before: int | None
    after: int | None
    version_before: int
    version_after: int

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping of this result."""
        return attrs.asdict(self)
