"""An authenticated connection to one Genesys Cloud org."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import AuthenticationError, ConfigurationError, PlatformError
from ._regions import resolve_base_url
from ._retry import RetryPolicy, call_with_retry

__all__ = ["Session", "connect"]

_log = logging.getLogger("genesys_timeouts")

#: Environment variables read for each setting, first match wins. The
#: GENESYSCLOUD_* names are the ones Genesys's own Terraform provider reads.
ENV_CLIENT_ID = ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYS_CLIENT_ID")
ENV_CLIENT_SECRET = ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYS_CLIENT_SECRET")
ENV_REGION = ("GENESYSCLOUD_REGION", "GENESYS_BASE_URL")

#: Renew a token this long before the platform says it expires.
_RENEW_MARGIN_SECONDS = 60.0

#: The clock token lifetimes are measured on; tests replace it with the
#: sandbox's own clock to age a token without waiting.
_clock: Callable[[], float] = time.monotonic


def _from_env(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value

    return None


def _require(
    value: str | None, what: str, argument: str, names: tuple[str, ...]
) -> str:
    if value:
        return value
    raise ConfigurationError(
        f"No {what} was given. Set {' or '.join(names)} in the environment, or pass "
        f"{argument}=... to connect(){_CLI_OPTIONS[argument]}."
    )


#: How the command line takes each credential, for the error that asks for it.
_CLI_OPTIONS = {
    "client_id": " (on the command line, --client-id)",
    "client_secret": " (the command line reads the secret only from the environment)",
    "region": " (on the command line, --region or --base-url)",
}


class Session:
    """A live, authenticated connection to one org through the official SDK.

    Build one with :func:`connect`. The token is renewed before it expires
    and once more when the platform answers 401. ``request_count`` counts
    the HTTP requests made, token requests included.
    """

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout_seconds: float,
        retry: RetryPolicy,
        wsgi_app: object | None,
    ) -> None:
        from . import _sdk  # the SDK is slow to import: only when a session is built

        self.base_url = base_url
        self.client_id = client_id
        self.retry = retry
        self.timeout_seconds = timeout_seconds
        self.request_count = 0
        self._secret = client_secret
        self._sdk = _sdk
        self._lock = threading.Lock()
        self._expires_at = 0.0

        sender: Any = (
            _sdk.WsgiSender(wsgi_app)
            if wsgi_app is not None
            else _sdk.UrllibSender(timeout_seconds)
        )
        self._transport = _sdk.Transport(sender)
        self._client = _sdk.ApiClient(host=base_url)
        self._client.set_http_client(self._transport)
        self.integrations_api: Any = _sdk.IntegrationsApi(self._client)
        """The SDK's ``IntegrationsApi`` bound to this session."""
        self.architect_api: Any = _sdk.ArchitectApi(self._client)
        """The SDK's ``ArchitectApi`` bound to this session."""

    def __repr__(self) -> str:
        return f"<Session {self.base_url} client {self.client_id}>"

    def _count(self) -> None:
        with self._lock:
            self.request_count += 1

    def authenticate(self) -> None:
        """Get a new client-credentials token now."""
        self._count()
        try:
            self._client.get_client_credentials_token(self.client_id, self._secret)
        except self._sdk.NotJsonError as exc:
            raise ConfigurationError(str(exc)) from None
        except (KeyError, TypeError):
            # The SDK reads access_token straight from the answer.
            raise ConfigurationError(
                f"The server at {self.base_url} answered the token request without an "
                "access token. Check that the region or base URL points at Genesys "
                "Cloud or the sandbox."
            ) from None
        except self._sdk.ApiException as exc:
            if exc.status in (400, 401, 403):
                raise AuthenticationError(
                    f"The platform at {self.base_url} refused the client credentials "
                    f"for client {self.client_id} (HTTP {exc.status}). Check the client "
                    "id and secret, and that the region is the org's own region.",
                    status=int(exc.status),
                ) from None
            raise PlatformError(
                f"The server at {self.base_url} did not grant a token (HTTP {exc.status}). "
                "Check that the region or base URL points at Genesys Cloud or the sandbox.",
                status=int(exc.status or 0),
            ) from None

        body = self._transport.last_json or {}
        lifetime = float(body.get("expires_in") or 0) or 24 * 3600.0
        margin = min(_RENEW_MARGIN_SECONDS, lifetime / 10)
        self._expires_at = _clock() + lifetime - margin
        _log.info(
            "authenticated at %s, token valid for %d s",
            self.base_url,
            int(lifetime),
            extra={"event": "authenticated", "base_url": self.base_url},
        )

    def _ensure_token(self) -> None:
        with self._lock:
            due = _clock() >= self._expires_at
        if due:
            _log.info(
                "token about to expire, renewing",
                extra={"event": "token_renewal", "reason": "expiry"},
            )
            self.authenticate()

    def invoke(
        self,
        what: str,
        call: Callable[..., Any],
        *args: Any,
        idempotent: bool = True,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Call an SDK method with token renewal, retries and error translation.

        Returns the SDK's model and the raw JSON body of the response.
        ``what`` names the object in error messages ("action custom_-_...").
        Set ``idempotent=False`` for a call that must not be repeated
        after a 5xx or a lost connection.
        """

        def once() -> tuple[Any, Any]:
            self._ensure_token()
            for renewed in (False, True):
                self._count()
                _log.debug(
                    "request %s for %s",
                    getattr(call, "__name__", "call"),
                    what,
                    extra={"event": "request", "call": what},
                )
                try:
                    model = call(*args, **kwargs)
                except self._sdk.ApiException as exc:
                    if exc.status == 401 and not renewed:
                        _log.info(
                            "token refused, renewing",
                            extra={
                                "event": "token_renewal",
                                "reason": "refused",
                                "call": what,
                            },
                        )
                        self.authenticate()
                        continue
                    raise self._sdk.translate(exc, what) from exc
                return model, self._transport.last_json
            raise AssertionError(
                "unreachable"
            )  # pragma: no cover  # loop always returns

        return call_with_retry(self.retry, once, what=what, idempotent=idempotent)


def connect(
    client_id: str | None = None,
    client_secret: str | None = None,
    region: str | None = None,
    *,
    timeout_seconds: float = 30.0,
    retry: RetryPolicy | None = None,
    wsgi_app: object | None = None,
    env: Mapping[str, str] | None = None,
) -> Session:
    """Connect to an org and authenticate.

    Anything not passed is read from the environment: ``GENESYSCLOUD_OAUTHCLIENT_ID``,
    ``GENESYSCLOUD_OAUTHCLIENT_SECRET`` and ``GENESYSCLOUD_REGION`` (or
    ``GENESYS_CLIENT_ID``, ``GENESYS_CLIENT_SECRET``, ``GENESYS_BASE_URL``).
    ``region`` may be ``us_east_1``, ``us-east-1``, ``mypurecloud.ie`` or a
    base URL. ``wsgi_app`` sends every request to that app in this process,
    as the sandbox does, instead of over the network.
    """
    source = os.environ if env is None else env
    client_id = _require(
        client_id or _from_env(source, ENV_CLIENT_ID),
        "client id",
        "client_id",
        ENV_CLIENT_ID,
    )
    client_secret = _require(
        client_secret or _from_env(source, ENV_CLIENT_SECRET),
        "client secret",
        "client_secret",
        ENV_CLIENT_SECRET,
    )
    region = _require(
        region or _from_env(source, ENV_REGION), "region", "region", ENV_REGION
    )
    if isinstance(timeout_seconds, bool) or not (
        isinstance(timeout_seconds, int | float) and timeout_seconds > 0
    ):
        raise ConfigurationError(
            f"The request timeout must be a positive number of seconds, not {timeout_seconds!r}."
        )

    session = Session(
        base_url=resolve_base_url(region),
        client_id=client_id,
        client_secret=client_secret,
        timeout_seconds=float(timeout_seconds),
        retry=retry or RetryPolicy(),
        wsgi_app=wsgi_app,
    )
    try:
        session.authenticate()
    except PlatformError as exc:
        if exc.status == 0:
            raise ConfigurationError(str(exc)) from None
        raise

    return session
