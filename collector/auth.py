"""Who may send: write keys per property, rate limits, and the integrations' shared secrets.

- Write keys (`X-StreamQoE-Key` header, or the `key` query argument since sendBeacon cannot set
  headers) name the property a player belongs to; a revoked key gets 403, a missing or unknown
  one 401. Without configured keys the player endpoints are open (the server logs it).
- A token bucket per property (per truncated client IP without keys) gives 429 with Retry-After.
- Hooks: EventBridge API destinations send a fixed header, Pub/Sub push an OIDC JWT
  (`Authorization: Bearer`) and/or a `token` query argument, Firehose `X-Amz-Firehose-Access-Key`.

Left out: key storage beyond the environment (revoking a key is a new revision's environment).
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from collector import limits
from collector.errors import Rejection
from collector.settings import Settings

logger = logging.getLogger(__name__)

KEY_HEADER = "x-streamqoe-key"
KEY_QUERY_ARGUMENT = "key"
CERTS_TTL_SECONDS = 3600.0


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def property_for_key(settings: Settings, key: str | None) -> str | None:
    """Return the property of a write key (None when keys are not configured).

    Raises:
        Rejection: 401 without a key or with an unknown one, 403 for a revoked key.
    """
    if not settings.write_keys and not settings.revoked_keys:
        return None
    if not key:
        raise Rejection(401, "MissingWriteKey", f"send a write key ({KEY_HEADER} or ?key=)")
    if key in settings.revoked_keys:
        raise Rejection(403, "RevokedWriteKey", "this write key has been revoked")
    for known, prop in settings.write_keys.items():
        if _same(known, key):
            return prop
    raise Rejection(401, "UnknownWriteKey", "unknown write key")


class RateLimiter:
    """Token buckets keyed by property or client address, `rate` per second up to `burst`."""

    def __init__(
        self,
        rate_per_second: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = limits.MAX_RATE_BUCKETS,
    ):
        self.rate = rate_per_second
        self.burst = burst
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, name: str) -> None:
        """Spend one token of `name`'s bucket.

        Raises:
            Rejection: 429 with Retry-After when the bucket is empty.
        """
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(name, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise Rejection(
                    429,
                    "RateLimited",
                    f"over {self.rate:g} requests per second for {name!r}",
                    {"Retry-After": str(max(wait, 1))},
                )
            self._buckets[name] = (tokens - 1.0, now)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)


def check_shared_secret(expected: str | None, sent: str | None, what: str) -> None:
    """Compare a hook's secret (nothing configured: open).

    Raises:
        Rejection: 401 when it is missing or wrong.
    """
    if expected is None:
        return
    if not sent or not _same(expected, sent):
        raise Rejection(401, "BadHookSecret", f"missing or wrong {what}")


class PushVerifier:
    """Check a Pub/Sub push request: the `token` query argument and/or the OIDC JWT.

    The JWT is checked with google-auth (signature against Google's certificates, fetched once an
    hour from `certs_url`; issuer; audience; expiry; the service account's email when set).
    """

    def __init__(self, settings: Settings, fetch_certs: Callable[[str], Mapping[str, str]]):
        self.settings = settings
        self.fetch_certs = fetch_certs
        self._certs: Mapping[str, str] | None = None
        self._certs_at = 0.0

    def _current_certs(self) -> Mapping[str, str]:
        if self._certs is None or time.monotonic() - self._certs_at > CERTS_TTL_SECONDS:
            self._certs = self.fetch_certs(self.settings.push_certs_url)
            self._certs_at = time.monotonic()
        return self._certs

    def verify(self, token_argument: str | None, authorization: str | None) -> dict[str, Any]:
        """Return the JWT's claims ({} when no audience is configured).

        Raises:
            Rejection: 401 for a missing or wrong token or JWT.
        """
        s = self.settings
        if s.push_token is not None:
            check_shared_secret(s.push_token, token_argument, "push token (?token=)")
        if s.push_audience is None:
            return {}
        scheme, _, jwt_text = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not jwt_text:
            raise Rejection(401, "MissingPushJwt", "send the push's OIDC token (Bearer)")
        from google.auth import exceptions, jwt

        try:
            claims = jwt.decode(jwt_text, certs=self._current_certs(), audience=s.push_audience)
        except (ValueError, KeyError, exceptions.GoogleAuthError) as exc:
            raise Rejection(401, "BadPushJwt", f"push token rejected: {exc}") from None
        if claims.get("iss") not in ("accounts.google.com", "https://accounts.google.com"):
            raise Rejection(401, "BadPushJwt", "push token issuer is not Google")
        if s.push_service_account is not None and (
            claims.get("email") != s.push_service_account or not claims.get("email_verified")
        ):
            raise Rejection(403, "WrongPushIdentity", "push token is for another service account")
        return claims


def fetch_certs(url: str) -> dict[str, str]:
    """Fetch {key id: PEM certificate} (Google's v1 certs format)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)
