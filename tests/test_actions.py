"""list_actions, inspect_action and update_timeout against the sandbox org."""

from __future__ import annotations

import copy
import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pytest

from genesys_timeouts import (
    DEFAULT_TIMEOUT_SECONDS,
    ActionKind,
    ConflictError,
    DataAction,
    InvalidInputError,
    InvalidTimeoutError,
    NotFoundError,
    Session,
    UnsafeWriteError,
    inspect_action,
    list_actions,
    update_timeout,
)
from genesys_timeouts.sandbox import Sandbox, _writes
from tests.in_process import in_process_session

Json = dict[str, Any]
ACTIONS_PATH = "/api/v2/integrations/actions"


# Helpers ----------------------------------------------------------------------


def _expected_kind(sb: Sandbox, raw: Json) -> ActionKind:
    """The kind the platform's own data says an action is."""
    if raw["id"].startswith("static_-_"):
        return ActionKind.STATIC
    if raw["id"].startswith("customAuth_-_"):
        return ActionKind.CUSTOM_AUTH
    integration = sb.integrations[raw["integrationId"]]
    if integration["integrationType"]["id"] == "function-data-actions":
        return ActionKind.FUNCTION

    return ActionKind.STANDARD


def _listing_gets(sb: Sandbox) -> list[dict[str, str]]:
    return [
        r.query for r in sb.requests if r.method == "GET" and r.path == ACTIONS_PATH
    ]


def _per_action_gets(sb: Sandbox) -> list[str]:
    return [
        r.path
        for r in sb.requests
        if r.method == "GET" and r.path.startswith(ACTIONS_PATH + "/custom_-_")
    ]


def _first(sb: Sandbox, kind: ActionKind, *, timeout_set: bool | None = None) -> Json:
    """The first published action of ``kind`` (and with or without a timeout)."""
    for raw in sb.actions.values():
        if _expected_kind(sb, raw) is not kind or raw["id"] in sb.drafts:
            continue
        has_timeout = "timeoutSeconds" in raw.get("config", {})
        if timeout_set is None or has_timeout is timeout_set:
            return raw
    raise AssertionError(f"the seeded org has no {kind} action")  # pragma: no cover


class RewriteJson:
    """A WSGI wrapper that lets a test change the JSON of some answers."""

    def __init__(
        self, app: Any, path: str, rewrite: Callable[[Json], None] | None = None
    ) -> None:
        self.app = app
        self.path = path
        self.rewrite = rewrite

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] != self.path or self.rewrite is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]  # WSGI is untyped here
        captured: list[Any] = []

        def keep(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured.extend((status, headers))

        body = json.loads(b"".join(self.app(environ, keep)))
        self.rewrite(body)
        data = json.dumps(body).encode()
        status, headers = captured
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(data)))])

        return [data]


# Listing ----------------------------------------------------------------------

ORG_SIZES = [289, 1000]


@pytest.mark.parametrize("size", ORG_SIZES, ids=[f"{n} actions" for n in ORG_SIZES])
def test_listing_reads_every_page_one_call_per_hundred(size: int) -> None:
    """Every published action is listed once, from one includeConfig call per 100 actions."""
    sb = Sandbox(seed=3, actions=size, flows=0, rate_limit_per_minute=None)
    session = in_process_session(sb)
    sb.requests.clear()

    listed = list(list_actions(session))

    gets = _listing_gets(sb)
    assert sorted(sb.actions) == sorted(a.id for a in listed)
    assert math.ceil(len(sb.actions) / 100) == len(gets)
    assert [str(n) for n in range(1, len(gets) + 1)] == [q["pageNumber"] for q in gets]
    assert {("100", "true")} == {(q["pageSize"], q["includeConfig"]) for q in gets}
    assert [] == _per_action_gets(sb)


@pytest.fixture(scope="module")
def org() -> Sandbox:
    """A read-only org of 289 actions: listing tests never change it."""
    return Sandbox(seed=5, actions=289, flows=0, rate_limit_per_minute=None)


@pytest.fixture(scope="module")
def org_session(org: Sandbox) -> Session:
    """A session to the read-only org."""
    return in_process_session(org)


@pytest.fixture(scope="module")
def listed(org: Sandbox, org_session: Session) -> dict[str, DataAction]:
    """Every action of the read-only org, listed once, by id."""
    return {a.id: a for a in list_actions(org_session)}


def test_listed_values_match_the_platform(
    org: Sandbox, listed: dict[str, DataAction]
) -> None:
    """Each listed action carries the platform's id, name, category, integration, version, secure, timeout and draft."""
    for action_id, raw in org.actions.items():
        action = listed[action_id]
        timeout = raw.get("config", {}).get("timeoutSeconds")
        assert (
            raw["name"],
            raw["category"],
            raw["integrationId"],
            raw["version"],
            raw["secure"],
            _expected_kind(org, raw),
            timeout,
            DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout,
            action_id in org.drafts,
        ) == (
            action.name,
            action.category,
            action.integration_id,
            action.version,
            action.secure,
            action.kind,
            action.timeout_seconds,
            action.effective_timeout_seconds,
            action.has_draft,
        ), action_id


def test_listing_covers_every_kind_and_state(listed: dict[str, DataAction]) -> None:
    """The org exercises all four kinds, unset timeouts and pending drafts."""
    kinds = Counter(a.kind for a in listed.values())

    assert set(ActionKind) == set(kinds)
    assert any(a.timeout_seconds is None for a in listed.values())
    assert any(a.has_draft for a in listed.values())


def test_editability_is_listed_with_a_reason(listed: dict[str, DataAction]) -> None:
    """Static and custom-authentication actions are listed as not editable, with a reason."""
    for action in listed.values():
        uneditable = action.kind in (ActionKind.STATIC, ActionKind.CUSTOM_AUTH)
        assert (not uneditable, uneditable) == (
            action.editable,
            bool(action.not_editable_reason),
        )


def test_listed_actions_are_frozen(listed: dict[str, DataAction]) -> None:
    """A listed action cannot be changed in place."""
    action = next(iter(listed.values()))

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        action.timeout_seconds = 5  # type: ignore[misc]  # the point of the test


def _integration_of_first(org: Sandbox) -> str:
    return str(next(iter(org.actions.values()))["integrationId"])


def _timeout(raw: Json) -> int | None:
    value: int | None = raw.get("config", {}).get("timeoutSeconds")
    return value


#: (id, list_actions arguments, whether a raw platform action should match)
FILTERS: list[
    tuple[str, Callable[[Sandbox], Json], Callable[[Sandbox, Json], bool]]
] = [
    (
        "name",
        lambda org: {"name": "queue"},
        lambda org, raw: "queue" in raw["name"].lower(),
    ),
    (
        "category",
        lambda org: {"category": "Web Services Data Actions"},
        lambda org, raw: raw["category"] == "Web Services Data Actions",
    ),
    (
        "integration",
        lambda org: {"integration_id": _integration_of_first(org)},
        lambda org, raw: raw["integrationId"] == _integration_of_first(org),
    ),
    (
        "timeout equal",
        lambda org: {"timeout_equals": 3},
        lambda org, raw: _timeout(raw) == 3,
    ),
    (
        "timeout below",
        lambda org: {"timeout_below": 10},
        lambda org, raw: (_timeout(raw) or DEFAULT_TIMEOUT_SECONDS) < 10,
    ),
    (
        "timeout unset",
        lambda org: {"timeout_unset": True},
        lambda org, raw: _timeout(raw) is None,
    ),
    (
        "category and timeout",
        lambda org: {"category": "Genesys Cloud Data Actions", "timeout_equals": 3},
        lambda org, raw: (
            raw["category"] == "Genesys Cloud Data Actions" and _timeout(raw) == 3
        ),
    ),
]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [(a, e) for _, a, e in FILTERS],
    ids=[name for name, _, _ in FILTERS],
)
def test_filters_select_what_the_platform_holds(
    org: Sandbox,
    org_session: Session,
    arguments: Callable[[Sandbox], Json],
    expected: Callable[[Sandbox, Json], bool],
) -> None:
    """Each filter selects exactly the actions whose platform-side state matches it."""
    wanted = sorted(i for i, raw in org.actions.items() if expected(org, raw))

    found = sorted(a.id for a in list_actions(org_session, **arguments(org)))

    assert wanted
    assert wanted == found


def test_more_than_fifty_ids_are_asked_for_in_chunks(
    org: Sandbox, org_session: Session
) -> None:
    """120 ids are asked for 50 at a time, and exactly those actions come back."""
    ids = sorted(org.actions)[:120]
    org.requests.clear()

    found = sorted(a.id for a in list_actions(org_session, ids=ids))

    chunks = [q["ids"].split(",") for q in _listing_gets(org)]
    assert ids == found
    assert [50, 50, 20] == [len(c) for c in chunks]
    assert ids == sorted(i for chunk in chunks for i in chunk)
    assert [] == _per_action_gets(org)


def test_no_ids_means_no_request(org: Sandbox, org_session: Session) -> None:
    """An empty id list selects nothing without asking the platform."""
    org.requests.clear()

    assert [] == list(list_actions(org_session, ids=[]))
    assert [] == org.requests


BAD_LISTING_ARGUMENTS: list[tuple[str, Json]] = [
    ("ids as one string", {"ids": "custom_-_abc"}),
    ("empty id", {"ids": ["custom_-_abc", ""]}),
    ("id with a comma", {"ids": ["custom_-_a,custom_-_b"]}),
    ("timeout as text", {"timeout_equals": "3"}),
    ("timeout out of range", {"timeout_equals": 0}),
    ("below as a float", {"timeout_below": 10.5}),
]


@pytest.mark.parametrize(
    "arguments",
    [a for _, a in BAD_LISTING_ARGUMENTS],
    ids=[n for n, _ in BAD_LISTING_ARGUMENTS],
)
def test_bad_listing_arguments_are_refused_at_once(
    org: Sandbox, org_session: Session, arguments: Json
) -> None:
    """Unusable filters raise InvalidInputError when called, before any request."""
    org.requests.clear()

    with pytest.raises(InvalidInputError):
        list_actions(org_session, **arguments)
    assert [] == org.requests


def test_listing_follows_next_uri_without_page_count() -> None:
    """An answer without pageCount is followed through nextUri to the last page."""
    sb = Sandbox(seed=3, actions=289, flows=0, rate_limit_per_minute=None)

    def strip(body: Json) -> None:
        body.pop("pageCount", None)
        body.pop("total", None)

    session = in_process_session(sb, RewriteJson(sb.app, ACTIONS_PATH, strip))

    assert sorted(sb.actions) == sorted(a.id for a in list_actions(session))


# Inspecting -------------------------------------------------------------------


def test_inspect_returns_config_contract_and_draft(
    org: Sandbox, org_session: Session, listed: dict[str, DataAction]
) -> None:
    """inspect_action gives the listed values plus the whole config, contract and pending draft."""
    action_id = next(i for i in org.drafts if i in org.actions)
    org.requests.clear()

    detail = inspect_action(org_session, action_id)

    (read,) = [r for r in org.requests if r.path == f"{ACTIONS_PATH}/{action_id}"]
    assert ("true", "contract") == (read.query["includeConfig"], read.query["expand"])
    assert listed[action_id] == detail.action
    assert org.actions[action_id]["config"] == detail.config
    assert org.actions[action_id]["contract"] == detail.contract
    assert org.drafts[action_id]["config"] == dict(detail.draft or {})["config"]
    assert _timeout(org.drafts[action_id]) == detail.draft_timeout_seconds


def test_inspect_without_draft(
    org: Sandbox, org_session: Session, listed: dict[str, DataAction]
) -> None:
    """An action without a pending draft is inspected with draft None."""
    raw = _first(org, ActionKind.FUNCTION)

    detail = inspect_action(org_session, raw["id"])

    assert (listed[raw["id"]], None) == (detail.action, detail.draft)
    assert raw["config"] == detail.config


def test_inspect_unknown_id_names_it(org_session: Session) -> None:
    """An id the org does not have raises NotFoundError naming the id."""
    missing = "custom_-_00000000-0000-4000-8000-000000000000"

    with pytest.raises(NotFoundError, match=missing):
        inspect_action(org_session, missing)


def test_inspect_draft_only_action_says_so(org: Sandbox, org_session: Session) -> None:
    """A draft that was never published is not found, and the message says why."""
    action_id = next(i for i in org.drafts if i not in org.actions)

    with pytest.raises(NotFoundError, match="never been published"):
        inspect_action(org_session, action_id)


BAD_IDS: list[object] = ["", "   ", None, 42, ["custom_-_a"], "custom_-_a/draft"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b) for b in BAD_IDS])
def test_inspect_refuses_what_is_not_an_id(
    org: Sandbox, org_session: Session, bad: object
) -> None:
    """An empty, non-string or path-like id raises InvalidInputError without a request."""
    org.requests.clear()

    with pytest.raises(InvalidInputError, match="not a data-action id"):
        inspect_action(org_session, bad)  # type: ignore[arg-type]  # the point of the test
    assert [] == org.requests


# Updating ---------------------------------------------------------------------


@pytest.fixture
def sb() -> Sandbox:
    """A small org, fresh for each test because updates change it."""
    return Sandbox(seed=9, actions=30, flows=0, rate_limit_per_minute=None)


@pytest.fixture
def session(sb: Sandbox) -> Session:
    """A session to the small org, retrying without waiting."""
    return in_process_session(sb)


def _only_timeout_and_version_changed(before: Json, after: Json, seconds: int) -> None:
    expected = copy.deepcopy(before)
    expected["config"]["timeoutSeconds"] = seconds
    expected["version"] = before["version"] + 1
    assert expected == after


UPDATES = [(True, 45), (False, 20)]


@pytest.mark.parametrize(
    ("timeout_set", "seconds"),
    UPDATES,
    ids=["timeout set", "timeout unset"],
)
def test_update_changes_only_the_timeout(
    sb: Sandbox, session: Session, timeout_set: bool, seconds: int
) -> None:
    """One full read, one PATCH of the whole config: templates, contract and all else are unchanged and the version is one up."""
    raw = _first(sb, ActionKind.STANDARD, timeout_set=timeout_set)
    before = copy.deepcopy(raw)
    sb.requests.clear()

    result = update_timeout(session, raw["id"], seconds)

    _only_timeout_and_version_changed(before, sb.actions[raw["id"]], seconds)
    read, write = sb.requests
    assert ("GET", "true", "contract") == (
        read.method,
        read.query["includeConfig"],
        read.query["expand"],
    )
    assert "PATCH" == write.method
    assert (
        raw["id"],
        _timeout(before),
        seconds,
        before["version"],
        before["version"] + 1,
    ) == (
        result.action_id,
        result.before,
        result.after,
        result.version_before,
        result.version_after,
    )


def test_update_of_a_listed_action(sb: Sandbox, session: Session) -> None:
    """A DataAction from the listing is updated when nobody changed it since."""
    action = next(
        a
        for a in list_actions(session)
        if a.kind is ActionKind.FUNCTION and not a.has_draft
    )
    before = copy.deepcopy(sb.actions[action.id])

    result = update_timeout(session, action, 12)

    _only_timeout_and_version_changed(before, sb.actions[action.id], 12)
    assert (action.version, action.version + 1) == (
        result.version_before,
        result.version_after,
    )


def _mangle_writes(
    monkeypatch: pytest.MonkeyPatch, sb: Sandbox, mangle: Callable[[Json], None]
) -> None:
    """Make the sandbox's PATCH store (and answer) something other than what was sent."""
    real = _writes.patch_action

    def mangling(state: Any, action_id: str, body: Any) -> Json:
        updated = real(state, action_id, body)
        mangle(updated)
        return updated

    monkeypatch.setattr(_writes, "patch_action", mangling)


MANGLES: list[tuple[str, Callable[[Json], None], str]] = [
    (
        "template dropped",
        lambda a: a["config"]["response"].pop("successTemplate"),
        "config.response.successTemplate",
    ),
    (
        "url changed",
        lambda a: a["config"]["request"].__setitem__("requestUrlTemplate", "/x"),
        "config.request.requestUrlTemplate",
    ),
    ("renamed", lambda a: a.__setitem__("name", "Other"), "name"),
    (
        "contract changed",
        lambda a: a["contract"]["input"]["inputSchema"].__setitem__("type", "array"),
        "contract.input.inputSchema.type",
    ),
    (
        "timeout ignored",
        lambda a: a["config"].__setitem__("timeoutSeconds", 7),
        "config.timeoutSeconds",
    ),
]


@pytest.mark.parametrize(
    ("mangle", "path"),
    [(m, p) for _, m, p in MANGLES],
    ids=[n for n, _, _ in MANGLES],
)
def test_platform_changing_more_than_the_timeout_is_unsafe(
    monkeypatch: pytest.MonkeyPatch,
    sb: Sandbox,
    session: Session,
    mangle: Callable[[Json], None],
    path: str,
) -> None:
    """A write whose result differs in anything but timeout and version raises UnsafeWriteError naming the difference."""
    raw = _first(sb, ActionKind.STANDARD, timeout_set=True)
    _mangle_writes(monkeypatch, sb, mangle)

    with pytest.raises(UnsafeWriteError, match=path.replace(".", r"\.")) as info:
        update_timeout(session, raw["id"], 50)

    assert (path,) == info.value.differences


CONFLICT_STYLES = ["409", "400"]


@pytest.mark.parametrize("style", CONFLICT_STYLES)
def test_edit_between_read_and_write_is_a_conflict(
    monkeypatch: pytest.MonkeyPatch, sb: Sandbox, session: Session, style: str
) -> None:
    """A colleague's edit between our read and our PATCH is a ConflictError naming it, and is never overwritten."""
    sb.conflict_style = style
    raw = _first(sb, ActionKind.STANDARD, timeout_set=True)
    real = _writes.patch_action
    edited: list[Json] = []

    def colleague_first(state: Any, action_id: str, body: Any) -> Json:
        if not edited:
            edited.append(
                sb.edit_action(
                    action_id,
                    lambda a: a["config"]["request"].__setitem__(
                        "requestUrlTemplate", "/v2/colleague"
                    ),
                )
            )
        return real(state, action_id, body)

    monkeypatch.setattr(_writes, "patch_action", colleague_first)
    sb.requests.clear()

    with pytest.raises(
        ConflictError, match=r"config\.request\.requestUrlTemplate"
    ) as info:
        update_timeout(session, raw["id"], 50)

    assert int(style) == info.value.status
    assert edited == [sb.actions[raw["id"]]]
    assert 1 == sum(1 for r in sb.requests if r.method == "PATCH")


def test_listed_action_edited_since_is_a_conflict(
    sb: Sandbox, session: Session
) -> None:
    """A DataAction whose version moved since it was listed is a conflict naming the change, and nothing is written."""
    action = next(
        a
        for a in list_actions(session)
        if a.kind is ActionKind.STANDARD and a.timeout_seconds == 3
    )
    edited = sb.edit_action(action.id, lambda a: a["config"].update(timeoutSeconds=7))
    sb.requests.clear()

    with pytest.raises(ConflictError, match="timeout 3 s -> 7 s"):
        update_timeout(session, action, 50)

    assert edited == sb.actions[action.id]
    assert [] == [r for r in sb.requests if r.method == "PATCH"]


def test_expected_version_wins_over_the_listed_one(
    sb: Sandbox, session: Session
) -> None:
    """An explicit expected_version is the one checked, even for a listed action."""
    action = next(a for a in list_actions(session) if a.kind is ActionKind.STANDARD)
    sb.edit_action(action.id, lambda a: a.update(name="Renamed by a colleague"))

    result = update_timeout(session, action, 33, expected_version=action.version + 1)

    assert (33, action.version + 2) == (
        sb.actions[action.id]["config"]["timeoutSeconds"],
        result.version_after,
    )


def test_stale_expected_version_is_a_conflict(sb: Sandbox, session: Session) -> None:
    """A bare id with an expected_version that is no longer current is refused before any write."""
    raw = _first(sb, ActionKind.STANDARD)
    version = raw["version"]
    sb.edit_action(raw["id"], lambda a: a.update(category="Elsewhere"))
    sb.requests.clear()

    with pytest.raises(ConflictError, match=f"version {version} -> {version + 1}"):
        update_timeout(session, raw["id"], 33, expected_version=version)

    assert [] == [r for r in sb.requests if r.method == "PATCH"]


UNEDITABLE = [ActionKind.STATIC, ActionKind.CUSTOM_AUTH]


@pytest.mark.parametrize("kind", UNEDITABLE)
@pytest.mark.parametrize("given", ["id", "listed"])
def test_uneditable_actions_are_refused_before_any_request(
    sb: Sandbox, session: Session, kind: ActionKind, given: str
) -> None:
    """Static and custom-authentication actions raise InvalidTimeoutError and nothing is sent."""
    listed = {a.id: a for a in list_actions(session)}
    raw = next(r for r in sb.actions.values() if _expected_kind(sb, r) is kind)
    before = copy.deepcopy(raw)
    sb.requests.clear()

    with pytest.raises(InvalidTimeoutError, match="cannot be set"):
        update_timeout(
            session, listed[raw["id"]] if given == "listed" else raw["id"], 30
        )

    assert [] == sb.requests
    assert before == sb.actions[raw["id"]]


BAD_SECONDS: list[object] = [0, 61, 10.0, "10", True, None]


@pytest.mark.parametrize("seconds", BAD_SECONDS, ids=[repr(s) for s in BAD_SECONDS])
def test_bad_seconds_are_refused_before_any_request(
    sb: Sandbox, session: Session, seconds: object
) -> None:
    """A timeout that is not an integer from 1 to 60 is a ValueError, and nothing is sent."""
    raw = _first(sb, ActionKind.STANDARD)
    sb.requests.clear()

    with pytest.raises(ValueError, match="whole number") as info:
        update_timeout(session, raw["id"], seconds)  # type: ignore[arg-type]  # the point of the test

    assert isinstance(info.value, InvalidTimeoutError)
    assert [] == sb.requests


def test_update_logs_its_warnings(
    sb: Sandbox, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Lowering a function action's timeout logs both warnings and still writes."""
    action = next(
        a
        for a in list_actions(session)
        if a.kind is ActionKind.FUNCTION and a.effective_timeout_seconds > 2
    )

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        result = update_timeout(session, action, 2)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert 2 == result.after
    assert any("lower than its current" in w for w in warnings)
    assert any("1 to 15 s" in w for w in warnings)


def test_unknown_id_update_is_not_found(session: Session) -> None:
    """Updating an id the org does not have raises NotFoundError naming it."""
    missing = "custom_-_11111111-0000-4000-8000-000000000000"

    with pytest.raises(NotFoundError, match=missing):
        update_timeout(session, missing, 10)
