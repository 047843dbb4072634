"""Browser security: the CSRF cookie for visitors, the session cookie's flags, trusted proxies, the login
throttle."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Sequence
from http.cookies import SimpleCookie
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillatlas.auth.service import TooManyAttempts

SESSION_COOKIE = "skillatlas_session"
CSRF_COOKIE = "skillatlas_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def cookie_flags(scheme: str) -> dict[str, object]:
    """HttpOnly (scripts cannot read it), SameSite=Lax (other sites cannot post with it), Secure on https."""
    return {"httponly": True, "samesite": "lax", "secure": scheme == "https", "path": "/"}


class CsrfCookie:
    """ASGI middleware: gives every visitor without one a random CSRF cookie (double-submit for forms
    posted before logging in, such as the login form itself); the new value is put in scope["state"]."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(("/static", "/api")):
            await self.app(scope, receive, send)
            return
        cookies = SimpleCookie()
        for name, value in scope.get("headers") or []:
            if name == b"cookie":
                # A malformed cookie header counts as no cookie.
                with contextlib.suppress(Exception):
                    cookies.load(value.decode("latin-1"))
        if CSRF_COOKIE in cookies and cookies[CSRF_COOKIE].value:
            await self.app(scope, receive, send)
            return
        token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_cookie"] = token
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if scope.get("scheme") == "https" else "")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"set-cookie", f"{CSRF_COOKIE}={token}{flags}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class TrustedProxies:
    """ASGI middleware: believes X-Forwarded-For and X-Forwarded-Proto only from the configured proxies.

    SKILLATLAS_TRUSTED_PROXIES (config.py) names them; none by default, so a client cannot choose the
    address the login throttle and the audit log see. From a trusted peer, X-Forwarded-For is read from
    the right: the first address that is not itself a trusted proxy is the client (proxies append the
    address they saw, so only the entries they added can be believed). `skillatlas serve` turns uvicorn's
    own proxy headers off (it would trust 127.0.0.1 by default): this is the one place that reads them.
    """

    def __init__(self, app: ASGIApp, networks: Sequence[IPv4Network | IPv6Network] = ()) -> None:
        self.app = app
        self.networks = tuple(networks)

    def trusted(self, host: str | None) -> bool:
        """True when the address belongs to a configured proxy."""
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] not in ("http", "websocket") or not client or not self.trusted(client[0]):
            await self.app(scope, receive, send)
            return
        forwarded_for = [
            v.decode("latin-1") for k, v in scope.get("headers") or [] if k == b"x-forwarded-for"
        ]
        proto = [v.decode("latin-1") for k, v in scope.get("headers") or [] if k == b"x-forwarded-proto"]
        hops = [h.strip() for h in ",".join(forwarded_for).split(",") if h.strip()]
        scope = dict(scope)
        if hops:
            # From the right: skip our own proxies; all of them proxies: the leftmost is the client.
            chosen = next((h for h in reversed(hops) if not self.trusted(h)), hops[0])
            address = _address(chosen)
            if address is not None:
                scope["client"] = (str(address), 0)
        if proto:
            scheme = proto[-1].split(",")[-1].strip().lower()
            if scheme in ("http", "https"):
                scope["scheme"] = (
                    scheme if scope["type"] == "http" else {"http": "ws", "https": "wss"}[scheme]
                )
        await self.app(scope, receive, send)


def _address(host: str | None) -> IPv4Address | IPv6Address | None:
    if not host:
        return None
    try:
        return ip_address(host.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


class LoginThrottle:
    """Failed logins per address: past `limit` in `window`, that address must wait (429).

    The per-account lockout (5 failures, 15 minutes) lives in the database; this in-memory limit slows
    down one address trying many accounts. One process holds it; it resets on restart.
    """

    def __init__(self, limit: int = 20, window: dt.timedelta = dt.timedelta(minutes=15)) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, ip: str, now: dt.datetime) -> deque[dt.datetime]:
        failures = self._failures[ip]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, ip: str | None, now: dt.datetime) -> None:
        """Raises TooManyAttempts when this address failed too often lately."""
        if ip is None:
            return
        with self._lock:
            if len(self._recent(ip, now)) >= self.limit:
                raise TooManyAttempts(
                    "too many failed logins from your address: wait 15 minutes", field="email"
                )

    def failed(self, ip: str | None, now: dt.datetime) -> None:
        """Counts one failure for this address."""
        if ip is None:
            return
        with self._lock:
            self._recent(ip, now).append(now)
