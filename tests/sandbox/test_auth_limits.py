"""Login, bearer tokens, the per-token rate limit, fault injection and headers."""

from __future__ import annotations

import base64

import pytest

from genesys_timeouts.sandbox import Sandbox
from tests.sandbox.sandbox_helpers import Raw

ACTIONS = "/api/v2/integrations/actions"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_response_shape(sb: Sandbox, raw: Raw) -> None:
    """The login service answers a client-credentials grant with a bearer token and its lifetime."""
    body = raw.login(sb.client_id, sb.client_secret).json

    assert body is not None
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"]


LOGIN_REFUSALS = [
    pytest.param("wrong-secret", 401, "bad.credentials", id="wrong-secret"),
    pytest.param("wrong-id", 401, "bad.credentials", id="wrong-id"),
    pytest.param("no-basic", 401, "authentication.required", id="no-basic-auth"),
    pytest.param("wrong-grant", 400, "bad.request", id="wrong-grant"),
]

#: Paths across the API that a bad token must not get past.
GUARDED = [
    ACTIONS,
    f"{ACTIONS}/drafts",
    "/api/v2/flows",
    "/api/v2/architect/dependencytracking/build",
    "/api/v2/no/such/resource",
]


@pytest.mark.parametrize(("case", "status", "code"), LOGIN_REFUSALS)
def test_login_refusals_use_the_genesys_error_body(
    sb: Sandbox, case: str, status: int, code: str
) -> None:
    """The login service refuses bad client credentials or grants with a Genesys error body and issues no token."""
    from werkzeug.test import Client

    client_id, secret = sb.client_id, sb.client_secret
    if case == "wrong-secret":
        secret = "not-the-secret"
    if case == "wrong-id":
        client_id = "00000000-0000-4000-8000-000000000000"
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    headers = {} if case == "no-basic" else {"Authorization": f"Basic {basic}"}
    grant = "password" if case == "wrong-grant" else "client_credentials"

    response = Client(sb.app).post(
        "/oauth/token", data={"grant_type": grant}, headers=headers
    )
    body = response.json

    assert body is not None
    assert (status, code, status) == (
        response.status_code,
        body["code"],
        body["status"],
    )
    assert body["contextId"] == response.headers["ININ-Correlation-Id"]
    assert {"message", "messageWithParams", "details"} <= set(body)
    assert "access_token" not in body
    assert sb._state.tokens == {}


@pytest.mark.parametrize("path", GUARDED)
@pytest.mark.parametrize(
    ("token", "code"),
    [
        pytest.param(None, "authentication.required", id="missing"),
        pytest.param("forged", "bad.credentials", id="unknown"),
    ],
)
def test_bad_bearer_token_is_401(
    sb: Sandbox, token: str | None, code: str, path: str
) -> None:
    """A request without a valid token gets 401 with the Genesys code on any API path."""
    from werkzeug.test import Client

    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = Client(sb.app).get(path, headers=headers)

    assert response.status_code == 401
    assert response.json["code"] == code  # type: ignore[index]


@pytest.mark.parametrize("path", GUARDED)
def test_expired_token_is_401(sb: Sandbox, raw: Raw, path: str) -> None:
    """After expire_tokens an old token gets 401 bad.credentials on any API path, and a new login works."""
    sb.expire_tokens()

    expired = raw.get(path)
    fresh = raw.login(sb.client_id, sb.client_secret).json["access_token"]  # type: ignore[index]

    assert expired.status_code == 401
    assert expired.json["code"] == "bad.credentials"  # type: ignore[index]
    assert raw.call("GET", ACTIONS, token=fresh).status_code == 200


def test_token_lifetime_follows_the_clock() -> None:
    """A token dies when the clock passes its lifetime."""
    clock = FakeClock()
    sb = Sandbox(seed=1, actions=10, flows=2, token_lifetime_seconds=300, clock=clock)
    raw = Raw(sb)
    clock.now += 299
    alive = raw.get(ACTIONS).status_code
    clock.now += 2

    assert (alive, raw.get(ACTIONS).status_code) == (200, 401)


def test_rate_limit_gives_429_with_retry_after() -> None:
    """Past the per-minute limit a token gets 429 too.many.requests with Retry-After, until the minute ends."""
    clock = FakeClock()
    sb = Sandbox(seed=1, actions=10, flows=2, rate_limit_per_minute=3, clock=clock)
    raw = Raw(sb)
    statuses = [raw.get(ACTIONS).status_code for _ in range(3)]
    clock.now += 20
    limited = raw.get(ACTIONS)
    clock.now += 41

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.json["code"] == "too.many.requests"  # type: ignore[index]
    assert limited.headers["Retry-After"] == "40"
    assert raw.get(ACTIONS).status_code == 200


def test_every_response_has_platform_headers(raw: Raw) -> None:
    """Successes and errors both carry the correlation id and rate-limit headers."""
    ok = raw.get(ACTIONS)
    missing = raw.get("/api/v2/nothing/here")

    for response in (ok, missing):
        assert response.headers["ININ-Correlation-Id"]
        for name in (
            "inin-ratelimit-count",
            "inin-ratelimit-allowed",
            "inin-ratelimit-reset",
        ):
            assert response.headers[name].isdigit()
    assert missing.status_code == 404
    assert missing.json["code"] == "not.found"  # type: ignore[index]
    assert missing.json["contextId"] == missing.headers["ININ-Correlation-Id"]  # type: ignore[index]


def test_fault_injection_matches_and_runs_out(sb: Sandbox, raw: Raw) -> None:
    """fail_next fails exactly the matching requests, with Retry-After on 429."""
    sb.fail_next(
        count=2, status=429, method="GET", path_contains="/actions", retry_after=7
    )

    flows = raw.get("/api/v2/flows")
    first, second, third = (raw.get(ACTIONS) for _ in range(3))

    assert flows.status_code == 200
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "7"
    assert first.json["code"] == "too.many.requests"  # type: ignore[index]


def test_requests_are_recorded(sb: Sandbox, raw: Raw) -> None:
    """Each request is recorded with method, path, query and status, so tests can count calls."""
    before = len(sb.requests)
    raw.get(ACTIONS, pageSize=5, includeConfig=True)

    record = sb.requests[before]
    assert (record.method, record.path, record.status) == ("GET", ACTIONS, 200)
    assert record.query == {"pageSize": "5", "includeConfig": "true"}


def test_switches_refuse_unknown_values(sb: Sandbox) -> None:
    """conflict_style and dependency_build_status accept only the platform's values."""
    with pytest.raises(ValueError, match="conflict_style"):
        sb.conflict_style = "412"
    with pytest.raises(ValueError, match="dependency_build_status"):
        sb.dependency_build_status = "BROKEN"


def test_sandbox_failure_is_a_genesys_500(
    sb: Sandbox, raw: Raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside a handler answers 500 internal.server.error with the Genesys body and headers."""

    def broken(state: object, call: object) -> object:
        raise RuntimeError("handler bug")

    monkeypatch.setitem(sb.app._handlers, f"GET {ACTIONS}", broken)

    response = raw.get(ACTIONS)

    assert response.status_code == 500
    assert response.json["code"] == "internal.server.error"  # type: ignore[index]
    assert response.json["contextId"] == response.headers["ININ-Correlation-Id"]  # type: ignore[index]
    assert response.headers["inin-ratelimit-count"] == "1"
