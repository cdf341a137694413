"""The one module that imports the official Genesys Cloud SDK.

Importing ``PureCloudPlatformClientV2`` takes seconds, so this module is
loaded only when a live session is built. It provides:

* transports for the SDK (``ApiClient.set_http_client``): one over urllib3
  with a request timeout and *no* hidden retries, so every retry happens in
  :mod:`genesys_timeouts._retry` where it is logged; and one that hands each
  request to an in-process WSGI app, for the sandbox and for tests;
* the translation of ``ApiException`` into this library's errors;
* access to the raw JSON of the last response, so whole objects can be
  cloned without losing keys the SDK's models do not know.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from PureCloudPlatformClientV2 import (
    ApiClient,
    ArchitectApi,
    IntegrationsApi,
)
from PureCloudPlatformClientV2.abstract_http_client import (
    AbstractHttpClient,
)
from PureCloudPlatformClientV2.rest import ApiException

from ._errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    RateLimitedError,
)

__all__ = [
    "ApiClient",
    "ApiException",
    "ArchitectApi",
    "HttpResponse",
    "IntegrationsApi",
    "NotJsonError",
    "Transport",
    "UrllibSender",
    "WsgiSender",
    "translate",
]

#: (method, url, headers, body) -> (status, reason, headers, body text)
Sender = Callable[
    [str, str, Mapping[str, str], bytes | None], tuple[int, str, dict[str, str], str]
]


class HttpResponse:
    """A response shaped as the SDK expects from its transports."""

    def __init__(self, status: int, reason: str, headers: dict[str, str], data: str):
        self.status = status
        self.reason = reason
        self.data = data
        self._headers = {k.lower(): v for k, v in headers.items()}

    def getheaders(self) -> dict[str, str]:
        return dict(self._headers)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name.lower(), default)


class Transport(AbstractHttpClient):  # type: ignore[misc]  # SDK base class is untyped
    """An SDK transport that sends through ``sender`` and keeps the raw body.

    The body of the last response on each thread is kept in ``last_json`` so
    callers can read keys the SDK's models would drop.
    """

    def __init__(self, sender: Sender) -> None:
        super().__init__()
        self._sender = sender
        self._local = threading.local()

    @property
    def last_json(self) -> Any:
        """The parsed body of this thread's last response, or None."""
        text = getattr(self._local, "text", None)
        if not text:
            return None

        return json.loads(text)

    def request(self, http_request_options: Any) -> HttpResponse:
        options = http_request_options
        headers = {str(k): str(v) for k, v in (options.headers or {}).items()}
        url = options.url
        if options.query_params:
            url += "?" + urlencode(options.query_params)

        if headers.get("Content-Type") == "application/x-www-form-urlencoded":
            body: bytes | None = urlencode(options.post_params or {}).encode()
        elif options.body is not None:
            headers.setdefault("Content-Type", "application/json")
            body = json.dumps(options.body).encode()
        else:
            body = None

        status, reason, response_headers, text = self._sender(
            options.method, url, headers, body
        )
        response = HttpResponse(status, reason, response_headers, text)
        self._local.text = text
        if not 200 <= status <= 299:
            raise ApiException(http_resp=response)
        if text.strip():
            try:
                json.loads(text)
            except ValueError:
                # The SDK would fail deep inside its deserialiser; say it plainly.
                self._local.text = None
                host = urlsplit(url).netloc
                raise NotJsonError(
                    f"The server at {host} answered HTTP {status} with something that is "
                    "not JSON. Check that the region or base URL points at Genesys Cloud "
                    "or the sandbox, not a web page or a proxy.",
                    status=status,
                ) from None

        return response


class NotJsonError(PlatformError):
    """A successful answer whose body is not JSON: not a Genesys Cloud API."""


class UrllibSender:
    """Sends over the network with urllib3, never retrying on its own."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout_seconds = timeout_seconds
        # retries=False: urllib3 would otherwise repeat 413/429/503 answers
        # that carry Retry-After, PATCH included, without a word in the log.
        self._pool = urllib3.PoolManager(
            retries=False,
            timeout=urllib3.Timeout(
                connect=min(10.0, timeout_seconds), read=timeout_seconds
            ),
        )

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str, dict[str, str], str]:
        try:
            response = self._pool.request(
                method, url, body=body, headers=dict(headers), preload_content=True
            )
        except urllib3.exceptions.NewConnectionError as exc:
            # Checked first: urllib3 makes it a kind of connect timeout.
            host = urlsplit(url).netloc
            msg = (
                f"Could not reach {host}: {type(exc).__name__}. Check the region or "
                "base URL and the network, then try again."
            )
            raise PlatformError(msg, status=0) from None
        except urllib3.exceptions.TimeoutError:
            host = urlsplit(url).netloc
            msg = (
                f"{host} did not answer {method} {urlsplit(url).path} within "
                f"{self._timeout_seconds:g} s. Try again later, or allow more time "
                "(timeout_seconds, or --request-timeout on the command line)."
            )
            raise PlatformError(msg, status=0) from None
        except urllib3.exceptions.HTTPError as exc:
            host = urlsplit(url).netloc
            msg = (
                f"Could not reach {host}: {type(exc).__name__}. Check the region or "
                "base URL and the network, then try again."
            )
            raise PlatformError(msg, status=0) from None

        return (
            response.status,
            response.reason or "",
            dict(response.headers),
            response.data.decode("utf-8", errors="replace"),
        )


class WsgiSender:
    """Hands each request to a WSGI app in this process: no sockets at all."""

    def __init__(self, app: Any) -> None:
        from werkzeug.test import Client  # the sandbox extra provides werkzeug

        self._client = Client(app)

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str, dict[str, str], str]:
        parts = urlsplit(url)
        response = self._client.open(
            parts.path,
            method=method,
            query_string=parts.query,
            headers=list(headers.items()),
            data=body,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        text = response.get_data(as_text=True)
        reason = response.status.partition(" ")[2]

        return response.status_code, reason, dict(response.headers), text


def error_body(exc: Any) -> dict[str, Any]:
    """The Genesys error body of an ``ApiException``, or an empty mapping."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return {}

    return body if isinstance(body, dict) else {}


def header(exc: Any, name: str) -> str | None:
    """A response header of an ``ApiException``, matched without case."""
    for key, value in dict(exc.headers or {}).items():
        if key.lower() == name.lower():
            return str(value)

    return None


def translate(exc: Any, what: str) -> PlatformError:
    """Turn an SDK ``ApiException`` about ``what`` into this library's error."""
    status = int(exc.status or 0)
    body = error_body(exc)
    code = body.get("code")
    correlation_id = header(exc, "ININ-Correlation-Id") or body.get("contextId")
    platform_says = str(body.get("message") or exc.reason or "no message").rstrip(". ")
    suffix = f" (HTTP {status}, code {code or 'none'}, correlation id {correlation_id or 'none'})"
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "correlation_id": correlation_id,
    }

    if status == 401:
        message = (
            f"The platform refused the credentials while reading {what}: {platform_says}. "
            "Check the client id and secret and that the region matches the org."
        )
        return AuthenticationError(message + suffix, **kwargs)
    if status == 403:
        message = (
            f"The OAuth client lacks a permission needed for {what}: {platform_says}. "
            "Give its role integrations:action:view and integrations:action:edit "
            "(and architect:dependencyTracking:view, architect:flow:view for flows)."
        )
        return PermissionDeniedError(message + suffix, **kwargs)
    if status == 404:
        message = (
            f"{what[:1].upper()}{what[1:]} was not found in this org: {platform_says}."
        )
        return NotFoundError(message + suffix, **kwargs)
    if status == 409 or (status == 400 and "does not match" in str(platform_says)):
        message = (
            f"{what[:1].upper()}{what[1:]} was changed by someone else since it was read: "
            f"{platform_says}. Read it again and decide."
        )
        return ConflictError(message + suffix, **kwargs)
    try:
        # A 503 may carry Retry-After too; the retry policy honours it either way.
        kwargs["retry_after"] = float(header(exc, "Retry-After") or "")
    except ValueError:
        kwargs["retry_after"] = None

    if status == 429:
        message = (
            f"The platform kept rate-limiting requests for {what}: {platform_says}. "
            "Wait a minute, or spread the work over fewer parallel runs."
        )
        return RateLimitedError(message + suffix, **kwargs)

    message = f"The platform failed a request for {what}: {platform_says}."
    return PlatformError(message + suffix, **kwargs)
