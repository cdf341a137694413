"""Sessions: credentials, regions, token renewal, timeouts, retries and secrecy."""

from __future__ import annotations

import copy
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from genesys_timeouts import (
    ActionKind,
    AuthenticationError,
    ConfigurationError,
    GenesysTimeoutsError,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    RateLimitedError,
    RetryPolicy,
    Session,
    connect,
    inspect_action,
    list_actions,
    update_timeout,
)
from genesys_timeouts import _session as session_module
from genesys_timeouts.sandbox import Sandbox

Json = dict[str, Any]
TOKEN_PATH = "/oauth/token"


# Helpers ----------------------------------------------------------------------


class Recorder:
    """A WSGI wrapper that notes each request's method, host, path and Authorization."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str, str, str]] = []

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        self.seen.append(
            (
                environ["REQUEST_METHOD"],
                environ.get("HTTP_HOST", ""),
                environ["PATH_INFO"],
                environ.get("HTTP_AUTHORIZATION", ""),
            )
        )
        return self.app(environ, start_response)  # type: ignore[no-any-return]  # WSGI is untyped here

    def credentials(self) -> set[str]:
        """Every token and Basic credential sent, with the token values alone."""
        found: set[str] = set()
        for *_, authorization in self.seen:
            if authorization:
                found.add(authorization)
                found.add(authorization.split(" ", 1)[1])
        return found


class Hang:
    """A WSGI wrapper that holds matching requests until released, then answers 504."""

    def __init__(self, app: Any, method: str, path_contains: str) -> None:
        self.app = app
        self.method = method
        self.path_contains = path_contains
        self.release = threading.Event()
        self.held = 0

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        if (
            environ["REQUEST_METHOD"] == self.method
            and self.path_contains in environ["PATH_INFO"]
        ):
            self.held += 1
            self.release.wait(10)
            start_response("504 Gateway Timeout", [("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)  # type: ignore[no-any-return]  # WSGI is untyped here


class Clock:
    """A settable clock shared by the sandbox and the session."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _connect(sb: Sandbox, app: Any = None, **kwargs: Any) -> Session:
    kwargs.setdefault("retry", RetryPolicy.instant())
    return connect(
        sb.client_id, sb.client_secret, sb.base_url, wsgi_app=app or sb.app, **kwargs
    )


def _standard(sb: Sandbox) -> Json:
    return next(
        raw
        for raw in sb.actions.values()
        if raw["id"].startswith("custom_-_") and raw["id"] not in sb.drafts
    )


def _statuses(sb: Sandbox, method: str, part: str = "") -> list[int]:
    return [r.status for r in sb.requests if r.method == method and part in r.path]


def _retries(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "retry"]


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every exception a traceback of it would show."""
    current: BaseException | None = error
    while current is not None:
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


@pytest.fixture
def sb() -> Sandbox:
    """A small org without a rate limit, fresh for each test."""
    return Sandbox(seed=13, actions=12, flows=0, rate_limit_per_minute=None)


# Credentials and regions ------------------------------------------------------

ENV_FAMILIES = [
    (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
    ),
    ("GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET", "GENESYS_BASE_URL"),
]


@pytest.mark.parametrize("names", ENV_FAMILIES, ids=["terraform names", "short names"])
def test_credentials_and_region_come_from_the_environment(
    sb: Sandbox, names: tuple[str, str, str]
) -> None:
    """With no arguments, the client id, secret and region are read from either family of variables."""
    client_id, secret, region = names
    env = {client_id: sb.client_id, secret: sb.client_secret, region: sb.base_url}

    session = connect(env=env, wsgi_app=sb.app)

    assert (sb.base_url, sb.client_id) == (session.base_url, session.client_id)
    assert [200] == _statuses(sb, "POST", TOKEN_PATH)


def test_process_environment_is_read_by_default(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without env=..., connect reads os.environ."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", sb.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", sb.client_secret)
    monkeypatch.setenv("GENESYSCLOUD_REGION", sb.base_url)

    assert sb.base_url == connect(wsgi_app=sb.app).base_url


def test_arguments_win_over_the_environment(sb: Sandbox) -> None:
    """Arguments override whatever the environment holds."""
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": "someone-else",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": "not-the-secret",
        "GENESYSCLOUD_REGION": "mars",
    }

    session = connect(
        sb.client_id, sb.client_secret, sb.base_url, env=env, wsgi_app=sb.app
    )

    assert sb.client_id == session.client_id


#: (region as typed, base URL, host the token request goes to, host of API calls)
REGIONS = [
    ("us_east_1", "https://api.mypurecloud.com", "login.mypurecloud.com"),
    ("us-east-1", "https://api.mypurecloud.com", "login.mypurecloud.com"),
    ("mypurecloud.ie", "https://api.mypurecloud.ie", "login.mypurecloud.ie"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765", "127.0.0.1:8765"),
    (
        "https://gw.example.com:8443",
        "https://gw.example.com:8443",
        "gw.example.com:8443",
    ),
]


@pytest.mark.parametrize(
    ("region", "base_url", "login_host"), REGIONS, ids=[r[0] for r in REGIONS]
)
def test_region_spellings_reach_the_right_hosts(
    sb: Sandbox, region: str, base_url: str, login_host: str
) -> None:
    """A region name, a domain or a base URL sends logins and API calls to the hosts it names."""
    recorder = Recorder(sb.app)

    session = connect(sb.client_id, sb.client_secret, region, wsgi_app=recorder)
    list(list_actions(session, ids=[_standard(sb)["id"]]))

    api_host = base_url.split("://", 1)[1]
    hosts = {(path == TOKEN_PATH, host) for _, host, path, _ in recorder.seen}
    assert base_url == session.base_url
    assert {(True, login_host), (False, api_host)} == {
        (is_login, host.removesuffix(":443")) for is_login, host in hosts
    }


def test_wrong_secret_is_refused_without_showing_it(sb: Sandbox) -> None:
    """A refused secret raises AuthenticationError that names the client but not the secret."""
    wrong = "wrong-" + sb.client_secret

    with pytest.raises(AuthenticationError, match=sb.client_id) as info:
        connect(sb.client_id, wrong, sb.base_url, wsgi_app=sb.app)

    assert all(wrong not in str(e) for e in _chain(info.value))


def _html_site(environ: Any, start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/html")])
    return [b"<html><body>Welcome</body></html>"]


def test_a_web_page_is_not_a_login_service() -> None:
    """A base URL that answers with HTML is a ConfigurationError, not a JSON traceback."""
    with pytest.raises(ConfigurationError, match="not JSON"):
        connect("id", "secret", "https://example.com", wsgi_app=_html_site)


# Tokens -----------------------------------------------------------------------


def test_refused_token_is_renewed_once(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """After the platform expires every token, the next call gets a 401, renews and succeeds."""
    session = _connect(sb)
    sb.expire_tokens()
    sb.requests.clear()

    with caplog.at_level(logging.INFO, logger="genesys_timeouts"):
        listed = list(list_actions(session))

    assert sorted(sb.actions) == sorted(a.id for a in listed)
    assert [(401, "GET"), (200, "POST"), (200, "GET")] == [
        (r.status, r.method) for r in sb.requests[:3]
    ]
    assert ["refused"] == [
        r.reason  # type: ignore[attr-defined]  # set through extra=
        for r in caplog.records
        if getattr(r, "event", None) == "token_renewal"
    ]


def test_token_is_renewed_before_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A token near the end of its lifetime is replaced before use: the platform never answers 401."""
    clock = Clock()
    sb = Sandbox(
        seed=13,
        actions=12,
        flows=0,
        rate_limit_per_minute=None,
        token_lifetime_seconds=600,
        clock=clock,
    )
    monkeypatch.setattr(session_module, "_clock", clock)
    session = _connect(sb)
    clock.now += 601

    list(list_actions(session))

    assert [200, 200] == _statuses(sb, "POST", TOKEN_PATH)
    assert 401 not in [r.status for r in sb.requests]


def test_young_token_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token well within its lifetime is reused: one login for many calls."""
    clock = Clock()
    sb = Sandbox(seed=13, actions=12, flows=0, rate_limit_per_minute=None, clock=clock)
    monkeypatch.setattr(session_module, "_clock", clock)
    session = _connect(sb)
    clock.now += 3600

    list(list_actions(session))
    inspect_action(session, _standard(sb)["id"])

    assert [200] == _statuses(sb, "POST", TOKEN_PATH)


# Request timeouts -------------------------------------------------------------


def _no_sdk_types(error: BaseException) -> None:
    for item in _chain(error):
        module = type(item).__module__
        assert module.startswith("genesys_timeouts"), type(item)


@pytest.mark.loopback
def test_server_that_never_answers_times_out_cleanly() -> None:
    """A socket that accepts and never replies gives a short, clean ConfigurationError."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()

        with pytest.raises(
            ConfigurationError, match=r"did not answer .* within 0\.3 s"
        ) as info:
            connect("id", "secret", url, timeout_seconds=0.3)

    assert time.monotonic() - started < 5
    _no_sdk_types(info.value)
    assert "secret" not in str(info.value)


@pytest.mark.loopback
def test_read_that_times_out_is_retried(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A GET without an answer is retried, then raises a clean PlatformError with status 0."""
    action_id = _standard(sb)["id"]
    hang = Hang(sb.app, "GET", action_id)
    sb.app = hang  # type: ignore[assignment]  # served in place of the sandbox's own app
    with sb.serve() as url:
        session = connect(
            sb.client_id,
            sb.client_secret,
            url,
            timeout_seconds=0.3,
            retry=RetryPolicy.instant(attempts=2),
        )
        with (
            caplog.at_level(logging.WARNING, logger="genesys_timeouts"),
            pytest.raises(PlatformError, match="did not answer") as info,
        ):
            inspect_action(session, action_id)
        hang.release.set()

    assert (0, 2, 1) == (info.value.status, hang.held, len(_retries(caplog)))
    _no_sdk_types(info.value)


@pytest.mark.loopback
def test_write_that_times_out_is_not_retried(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A PATCH without an answer is sent once and never repeated."""
    action_id = _standard(sb)["id"]
    hang = Hang(sb.app, "PATCH", action_id)
    sb.app = hang  # type: ignore[assignment]  # served in place of the sandbox's own app
    with sb.serve() as url:
        session = connect(
            sb.client_id,
            sb.client_secret,
            url,
            timeout_seconds=0.3,
            retry=RetryPolicy.instant(),
        )
        with (
            caplog.at_level(logging.WARNING, logger="genesys_timeouts"),
            pytest.raises(PlatformError, match="did not answer") as info,
        ):
            update_timeout(session, action_id, 40)
        hang.release.set()

    assert (0, 1, []) == (info.value.status, hang.held, _retries(caplog))


# Lazy import ------------------------------------------------------------------


def test_importing_the_package_does_not_import_the_sdk() -> None:
    """The slow SDK is imported only when a session is built."""
    code = (
        "import sys, genesys_timeouts, genesys_timeouts.sandbox;"
        "assert 'PureCloudPlatformClientV2' not in sys.modules, 'imported'"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert (0, "") == (done.returncode, done.stderr)


# Secrets ----------------------------------------------------------------------


def test_no_secret_or_token_in_logs_reprs_or_errors(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole session logged at DEBUG shows neither the secret nor any token, nor do reprs and errors."""
    recorder = Recorder(sb.app)
    shown: list[str] = []
    caplog.set_level(logging.DEBUG)
    session = _connect(sb, recorder)
    shown.append(repr(session))
    listed = list(list_actions(session))
    shown.extend(repr(a) for a in listed)
    editable = next(a for a in listed if a.kind is ActionKind.STANDARD)
    shown.append(repr(inspect_action(session, editable.id)))
    shown.append(repr(update_timeout(session, editable.id, 44)))
    sb.expire_tokens()
    sb.fail_next(1, 503, "GET")
    sb.fail_next(1, 403, "PATCH")
    with pytest.raises(PermissionDeniedError) as info:
        update_timeout(session, editable.id, 45)
    shown.extend(str(e) for e in _chain(info.value))
    with pytest.raises(NotFoundError) as missing:
        inspect_action(session, "custom_-_nope")
    shown.extend(str(e) for e in _chain(missing.value))

    logged = [caplog.text] + [repr(vars(r)) for r in caplog.records]
    secrets = recorder.credentials() | {sb.client_secret}
    assert 3 <= len(secrets)  # the Basic login, at least two tokens and the secret
    for text in logged + shown:
        for secret in secrets:
            assert secret not in text


# Errors and retries -----------------------------------------------------------

#: (status, error class) for failures that are not retried.
REFUSALS = [
    (400, PlatformError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (500, PlatformError),
]
#: (name, call) for each public function that talks to the platform.
CALLS: list[tuple[str, Callable[[Session, str], object]]] = [
    ("list_actions", lambda s, i: list(list_actions(s))),
    ("inspect_action", inspect_action),
    ("update_timeout", lambda s, i: update_timeout(s, i, 41)),
]


@pytest.mark.parametrize(
    ("status", "error"), REFUSALS, ids=[str(s) for s, _ in REFUSALS]
)
@pytest.mark.parametrize("call", [c for _, c in CALLS], ids=[n for n, _ in CALLS])
def test_sdk_errors_never_escape(
    sb: Sandbox,
    status: int,
    error: type[PlatformError],
    call: Callable[[Session, str], object],
) -> None:
    """Every platform error reaches the caller as this library's error, with status and correlation id."""
    session = _connect(sb, retry=RetryPolicy.never())
    sb.fail_next(1, status)

    with pytest.raises(GenesysTimeoutsError) as info:
        call(session, _standard(sb)["id"])

    assert type(info.value) is error
    assert status == getattr(info.value, "status", None)
    assert getattr(info.value, "correlation_id", None)


def test_rate_limit_waits_for_retry_after_and_logs(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A 429 waits Retry-After (scaled), logs each retry, and the call then succeeds."""
    scale = 0.05
    session = _connect(sb, retry=RetryPolicy(wait_scale=scale))
    sb.fail_next(2, 429, "GET", retry_after=2)
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        list(list_actions(session))

    waits = [r.wait_seconds for r in _retries(caplog)]  # type: ignore[attr-defined]  # set through extra=
    assert [2 * scale, 2 * scale] == waits
    assert [429] == sorted({r.status for r in _retries(caplog)})  # type: ignore[attr-defined]  # set through extra=
    assert time.monotonic() - started >= 2 * 2 * scale


def test_rate_limit_on_a_write_is_retried(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A 429 means the platform did nothing, so even a PATCH is sent again, once."""
    raw = _standard(sb)
    session = _connect(sb)
    sb.fail_next(1, 429, "PATCH")

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        result = update_timeout(session, raw["id"], 42)

    assert ([429, 200], 42) == (_statuses(sb, "PATCH"), result.after)
    assert 1 == len(_retries(caplog))


def test_rate_limit_that_never_ends_is_rate_limited_error(sb: Sandbox) -> None:
    """When every attempt is refused with 429, RateLimitedError carries Retry-After."""
    session = _connect(sb, retry=RetryPolicy.instant(attempts=3))
    sb.fail_next(3, 429, "GET", retry_after=4)

    with pytest.raises(RateLimitedError) as info:
        list(list_actions(session))

    assert (429, 4.0) == (info.value.status, info.value.retry_after)


def test_server_errors_are_retried_for_reads(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A 503 and a 502 on a read are retried and logged; the read then succeeds."""
    session = _connect(sb)
    sb.fail_next(1, 503, "GET")
    sb.fail_next(1, 502, "GET")

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        listed = list(list_actions(session))

    assert len(sb.actions) == len(listed)
    assert [503, 502] == [r.status for r in _retries(caplog)]  # type: ignore[attr-defined]  # set through extra=


def test_server_error_retry_after_is_honoured(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A 503 with Retry-After waits that long (scaled) before the read is tried again."""
    scale = 0.01
    session = _connect(sb, retry=RetryPolicy(wait_scale=scale))
    sb.fail_next(1, 503, "GET", retry_after=3)

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        list(list_actions(session))

    assert [3 * scale] == [r.wait_seconds for r in _retries(caplog)]  # type: ignore[attr-defined]  # set through extra=


def test_server_error_on_a_write_is_not_retried(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A 503 on a PATCH raises at once: one PATCH sent, nothing changed, no retry."""
    raw = _standard(sb)
    before = copy.deepcopy(raw)
    session = _connect(sb)
    sb.fail_next(1, 503, "PATCH")

    with (
        caplog.at_level(logging.WARNING, logger="genesys_timeouts"),
        pytest.raises(PlatformError) as info,
    ):
        update_timeout(session, raw["id"], 43)

    assert (503, [503]) == (info.value.status, _statuses(sb, "PATCH"))
    assert before == sb.actions[raw["id"]]
    assert [] == _retries(caplog)


LOOPBACK_FAULTS = [429, 503]


@pytest.mark.loopback
@pytest.mark.parametrize("status", LOOPBACK_FAULTS)
def test_no_hidden_retries_over_the_network(
    sb: Sandbox, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    """Over real HTTP, each 429 or 503 with Retry-After the sandbox serves reaches our retry code."""
    action_id = _standard(sb)["id"]
    with sb.serve() as url:
        session = connect(
            sb.client_id, sb.client_secret, url, retry=RetryPolicy.instant()
        )
        sb.fail_next(3, status, "GET", path_contains=action_id, retry_after=1)
        with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
            inspect_action(session, action_id)

    path = f"/api/v2/integrations/actions/{action_id}"
    served = [r.status for r in sb.requests if r.path == path]
    assert [status, status, status, 200] == served
    assert [status] * 3 == [r.status for r in _retries(caplog)]  # type: ignore[attr-defined]  # set through extra=


@pytest.mark.loopback
def test_no_hidden_retry_of_a_write_over_the_network(sb: Sandbox) -> None:
    """Over real HTTP, a PATCH answered 503 with Retry-After is sent exactly once."""
    raw = _standard(sb)
    before = copy.deepcopy(raw)
    with sb.serve() as url:
        session = connect(
            sb.client_id, sb.client_secret, url, retry=RetryPolicy.instant()
        )
        sb.fail_next(1, 503, "PATCH", retry_after=1)
        with pytest.raises(PlatformError) as info:
            update_timeout(session, raw["id"], 44)

    assert (503, [503]) == (info.value.status, _statuses(sb, "PATCH"))
    assert before == sb.actions[raw["id"]]
