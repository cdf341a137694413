"""The WSGI application: routing, authentication, limits and error bodies.

Order of work for each request, as on the platform's gateway: injected
faults first, then the login service or the bearer token, the per-token
rate limit, routing, and finally the handler. Every response carries a
correlation id and the rate-limit headers, and every request is recorded.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import _architect_api, _integrations_api
from ._auth import (
    authenticate,
    consume,
    issue_token,
    rate_headers,
    take_fault,
)
from ._call import Call, Handler
from ._errors import ApiError, error_body
from ._state import OrgState, RequestRecord, Token

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["SandboxApp"]

_TOKEN_PATH = "/oauth/token"

_log = logging.getLogger(__name__)


def _url_map() -> tuple[Map, dict[str, Handler]]:
    rules = []
    handlers: dict[str, Handler] = {}
    for path, method, handler in (*_integrations_api.ROUTES, *_architect_api.ROUTES):
        endpoint = f"{method} {path}"
        rules.append(
            Rule(path, methods=[method], endpoint=endpoint, strict_slashes=False)
        )
        handlers[endpoint] = handler
    return Map(rules), handlers


def _flat_query(request: Request) -> dict[str, str]:
    # The SDK joins list parameters with commas; a repeated parameter means the same.
    return {key: ",".join(values) for key, values in request.args.lists()}


def _json_response(status: int, payload: Any, headers: dict[str, str]) -> Response:
    if payload is None:
        return Response(status=status, headers=headers)
    return Response(
        json.dumps(payload),
        status=status,
        headers=headers,
        content_type="application/json",
    )


class SandboxApp:
    """A WSGI app serving one :class:`OrgState`."""

    def __init__(self, state: OrgState) -> None:
        self.state = state
        self._map, self._handlers = _url_map()

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request = Request(environ)
        with self.state.lock:
            response = self._respond(request)
            self.state.requests.append(
                RequestRecord(
                    request.method,
                    request.path,
                    _flat_query(request),
                    response.status_code,
                )
            )
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        correlation_id = str(uuid.uuid4())
        headers = {"ININ-Correlation-Id": correlation_id}
        token: Token | None = None
        try:
            fault = take_fault(self.state, request.method, request.path)
            if fault is not None:
                raise fault
            if request.path.rstrip("/") == _TOKEN_PATH:
                status, payload = self._token(request)
            else:
                token = authenticate(self.state, request.headers.get("Authorization"))
                consume(self.state, token)
                status, payload = self._dispatch(request)
        except ApiError as error:
            headers.update(rate_headers(self.state, token))
            headers.update(error.headers)
            return _json_response(
                error.status, error_body(error, correlation_id), headers
            )
        except Exception:
            # A fault in the sandbox itself still answers as the platform
            # would, so the client under test sees a Genesys 500, not a
            # traceback page; the traceback goes to the log.
            _log.exception("Sandbox failure on %s %s", request.method, request.path)
            failure = ApiError(500, "The sandbox failed to handle the request.")
            headers.update(rate_headers(self.state, token))
            return _json_response(500, error_body(failure, correlation_id), headers)
        headers.update(rate_headers(self.state, token))
        return _json_response(status, payload, headers)

    def _token(self, request: Request) -> tuple[int, Any]:
        if request.method != "POST":
            raise ApiError(405, "Only POST is supported on /oauth/token.")
        auth = request.authorization
        if auth is None or auth.type != "basic":
            username = password = None
        else:
            username, password = auth.username, auth.password
        body = issue_token(
            self.state, username, password, request.form.get("grant_type")
        )

        return 200, body

    def _dispatch(self, request: Request) -> tuple[int, Any]:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            msg = f"{request.method} is not supported on {request.path}."
            raise ApiError(405, msg, code="method.not.allowed") from None
        except NotFound:
            msg = f"No resource found at {request.path}."
            raise ApiError(404, msg, code="not.found") from None
        call = Call(
            path=request.path,
            query=_flat_query(request),
            body=self._body(request),
            args=args,
        )
        return self._handlers[str(endpoint)](self.state, call)

    @staticmethod
    def _body(request: Request) -> Any:
        data = request.get_data()
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise ApiError(
                400, "The request body is not valid JSON.", code="bad.request"
            ) from None
