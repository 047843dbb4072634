"""Browser security: the CSRF cookie for visitors, the session cookie's flags, trusted proxies, the login
throttle."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
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


# The pages' policy: scripts only from the site's own files (no inline script, no eval; the JSON data blocks
# of the charts are not scripts), nothing embeds the site (frame-ancestors), forms post only to it.
# Styles allow 'unsafe-inline': templates carry style attributes and htmx adds its indicator style; a
# style cannot run code, and every script source stays closed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # reset links carry their token in the URL: never sent away
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (pages, API, static files, errors).

    A response that sets one of them itself keeps its own value (none does today: /docs runs under the
    same policy, its Swagger UI started from a static file).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _value in headers}
                headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    """Back-off for password guessing, felt by the guesser and not by the account's owner.

    No account is ever locked (a lock let anyone shut anyone out). Instead three counts, each over the
    last `window` (15 minutes), decide how long an attempt must wait; an attempt made before then is
    refused (429) without looking at the password:

    - per account and address: `free_per_pair` failures are free, then each further one doubles the wait
      (2 s, 4 s, ... up to the window). The owner, from another address, is not slowed down.
    - per address: past `limit_per_address` failures (many accounts tried from one address) the address
      waits until the oldest falls out of the window.
    - per account, over all addresses (a guesser with many addresses): past `free_per_account` failures,
      an address from which the account never logged in successfully (`known`, asked only then) waits,
      doubling with each further failure. Addresses the owner used before are exempt.

    Accounts are keyed by the address typed, whether or not it has an account, so every answer is the
    same for known and unknown e-mail addresses. In memory: one per process, empty after a restart (with
    several worker processes each counts on its own). Besides logins it limits the account mails a form
    sends (`allow_mail`) and counts password-reset requests per address (`count_request`).
    """

    def __init__(
        self,
        *,
        window: dt.timedelta = dt.timedelta(minutes=15),
        free_per_pair: int = 3,
        limit_per_address: int = 20,
        free_per_account: int = 10,
        mails_per_account: int = 3,
        mail_window: dt.timedelta = dt.timedelta(hours=1),
        max_keys: int = 100_000,
    ) -> None:
        self.window = window
        self.free_per_pair = free_per_pair
        self.limit_per_address = limit_per_address
        self.free_per_account = free_per_account
        self.mails_per_account = mails_per_account
        self.mail_window = mail_window
        self.max_keys = max_keys
        self._pairs: dict[tuple[str, str], deque[dt.datetime]] = defaultdict(deque)
        self._addresses: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._accounts: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._mails: dict[str, deque[dt.datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def account_key(email: str) -> str:
        """The e-mail address as typed, normalised (whether or not an account has it)."""
        return email.strip().lower()[:254]

    def _recent(self, table: dict, key: object, now: dt.datetime, window: dt.timedelta) -> deque[dt.datetime]:
        times = table[key]
        while times and times[0] <= now - window:
            times.popleft()
        if not times:
            del table[key]  # nothing recent: forget the key (keeps the tables small)
            return deque()
        return times

    def _backoff(self, failures: int, free: int) -> dt.timedelta:
        if failures < free:
            return dt.timedelta(0)
        return min(dt.timedelta(seconds=2 ** (failures - free + 1)), self.window)

    def wait(
        self, *, account: str, ip: str | None, now: dt.datetime, known: Callable[[], bool] | None = None
    ) -> dt.timedelta:
        """How long this attempt must still wait (zero: it may try now)."""
        key = self.account_key(account)
        waits = [dt.timedelta(0)]
        with self._lock:
            if ip is not None:
                pair = self._recent(self._pairs, (key, ip), now, self.window)
                if pair:
                    waits.append(pair[-1] + self._backoff(len(pair), self.free_per_pair) - now)
                by_address = self._recent(self._addresses, ip, now, self.window)
                if len(by_address) >= self.limit_per_address:
                    waits.append(by_address[-self.limit_per_address] + self.window - now)
            by_account = self._recent(self._accounts, key, now, self.window)
            account_wait = (
                by_account[-1] + self._backoff(len(by_account), self.free_per_account) - now
                if by_account
                else dt.timedelta(0)
            )
        if account_wait > dt.timedelta(0) and not (known is not None and known()):
            waits.append(account_wait)
        return max(waits)

    def check(
        self, *, account: str, ip: str | None, now: dt.datetime, known: Callable[[], bool] | None = None
    ) -> None:
        """Raises TooManyAttempts, saying how long to wait, when this attempt comes too soon."""
        wait = self.wait(account=account, ip=ip, now=now, known=known)
        if wait > dt.timedelta(0):
            raise TooManyAttempts(
                f"too many failed attempts: try again in {_duration(wait)}", field="password"
            )

    def failed(self, *, account: str, ip: str | None, now: dt.datetime) -> None:
        """Counts a failed attempt for the account, the address, and the two together."""
        key = self.account_key(account)
        with self._lock:
            self._accounts[key].append(now)
            if ip is not None:
                self._pairs[(key, ip)].append(now)
                self._addresses[ip].append(now)
            self._prune(now)

    def succeeded(self, *, account: str, ip: str | None) -> None:
        """The right password: this address's failures for the account are forgotten (not the others')."""
        if ip is None:
            return
        with self._lock:
            self._pairs.pop((self.account_key(account), ip), None)

    def count_request(self, ip: str | None, now: dt.datetime) -> None:
        """A request that mails someone (a password reset): counted like a failed login of the address."""
        if ip is None:
            return
        with self._lock:
            by_address = self._recent(self._addresses, ip, now, self.window)
            if len(by_address) >= self.limit_per_address:
                wait = by_address[-self.limit_per_address] + self.window - now
                raise TooManyAttempts(f"too many attempts: try again in {_duration(wait)}", field="email")
            self._addresses[ip].append(now)
            self._prune(now)

    def allow_mail(self, email: str, now: dt.datetime) -> bool:
        """True (and counted) while the address got fewer than `mails_per_account` account mails this hour:
        forms that mail whoever owns an address (reset, sign-up) cannot fill a mailbox. Nobody is told."""
        key = self.account_key(email)
        with self._lock:
            if len(self._recent(self._mails, key, now, self.mail_window)) >= self.mails_per_account:
                return False
            self._mails[key].append(now)
            self._prune(now)
            return True

    def _prune(self, now: dt.datetime) -> None:
        """Past `max_keys` keys in a table, drops the keys with nothing recent (a spray of addresses)."""
        for table, window in (
            (self._pairs, self.window),
            (self._addresses, self.window),
            (self._accounts, self.window),
            (self._mails, self.mail_window),
        ):
            if len(table) > self.max_keys:
                for key in [k for k, times in table.items() if not times or times[-1] <= now - window]:
                    del table[key]


def _duration(wait: dt.timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
