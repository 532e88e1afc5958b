"""The collector's configuration, read from the environment (12-factor: Cloud Run, Kubernetes).

| variable | meaning | default |
|---|---|---|
| STREAMQOE_PROJECT | Google Cloud project of the topics | streamqoe-local |
| PUBSUB_EMULATOR_HOST | host:port of a Pub/Sub emulator (read by google-cloud-pubsub) | unset |
| STREAMQOE_WRITE_KEYS | `property=key,...`: keys players must send; unset: no key needed | unset |
| STREAMQOE_REVOKED_WRITE_KEYS | `key,...`: keys refused with 403 | unset |
| STREAMQOE_RATE_LIMIT_PER_SECOND, STREAMQOE_RATE_LIMIT_BURST | per property (or client IP) | limits.py |
| STREAMQOE_CLIENT_IP | `truncate` (/24, /48) or `drop` | truncate |
| STREAMQOE_CORS_ORIGINS | allowed origins, comma-separated | * |
| STREAMQOE_EVENTBRIDGE_SECRET, STREAMQOE_EVENTBRIDGE_HEADER | API destination connection's header | unset, x-streamqoe-hook-secret |
| STREAMQOE_PUSH_TOKEN | shared token of the Pub/Sub push endpoint (`?token=`) | unset |
| STREAMQOE_PUSH_AUDIENCE | audience of the push's OIDC JWT (verified when set) | unset |
| STREAMQOE_PUSH_SERVICE_ACCOUNT | the push identity's email, checked when set | unset |
| STREAMQOE_PUSH_CERTS_URL | where Google's OIDC signing certificates are fetched | Google's |
| STREAMQOE_FIREHOSE_ACCESS_KEY | the Firehose HTTP endpoint's access key | unset |
| STREAMQOE_PUBLISH_DEADLINE_SECONDS | retry budget of one publish before a 503 | limits.py |

Left out: secrets management (Secret Manager mounts these as variables on Cloud Run).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from collector import limits

GOOGLE_OIDC_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
DEFAULT_EVENTBRIDGE_HEADER = "x-streamqoe-hook-secret"
CLIENT_IP_POLICIES = ("truncate", "drop")


class SettingsError(ValueError):
    """A variable has a value the collector cannot use; the message names it."""


def _pairs(text: str, name: str) -> dict[str, str]:
    """Parse `property=key,...` into {key: property}."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        prop, sep, key = item.partition("=")
        if not sep or not prop.strip() or not key.strip():
            raise SettingsError(f"{name}: expected property=key, got {item!r}")
        keys[key.strip()] = prop.strip()
    return keys


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}: expected a number, got {text!r}") from None
    if value <= 0:
        raise SettingsError(f"{name}: must be positive, got {text!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the collector is configured with (see the module docstring)."""

    project: str = "streamqoe-local"
    write_keys: dict[str, str] = field(default_factory=dict)
    revoked_keys: frozenset[str] = frozenset()
    rate_per_second: float = limits.RATE_LIMIT_REQUESTS_PER_SECOND
    rate_burst: float = limits.RATE_LIMIT_BURST_REQUESTS
    client_ip: str = "truncate"
    cors_origins: tuple[str, ...] = ("*",)
    eventbridge_secret: str | None = None
    eventbridge_header: str = DEFAULT_EVENTBRIDGE_HEADER
    push_token: str | None = None
    push_audience: str | None = None
    push_service_account: str | None = None
    push_certs_url: str = GOOGLE_OIDC_CERTS_URL
    firehose_access_key: str | None = None
    publish_deadline_seconds: float = limits.PUBLISH_DEADLINE_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `env` (default os.environ).

        Raises:
            SettingsError: a malformed value.
        """
        env = os.environ if env is None else env
        policy = env.get("STREAMQOE_CLIENT_IP", "truncate").strip().lower()
        if policy not in CLIENT_IP_POLICIES:
            raise SettingsError(f"STREAMQOE_CLIENT_IP: expected truncate or drop, got {policy!r}")
        revoked = env.get("STREAMQOE_REVOKED_WRITE_KEYS", "")
        origins = env.get("STREAMQOE_CORS_ORIGINS", "*")
        return cls(
            project=env.get("STREAMQOE_PROJECT", "streamqoe-local"),
            write_keys=_pairs(env.get("STREAMQOE_WRITE_KEYS", ""), "STREAMQOE_WRITE_KEYS"),
            revoked_keys=frozenset(k.strip() for k in revoked.split(",") if k.strip()),
            rate_per_second=_number(
                env, "STREAMQOE_RATE_LIMIT_PER_SECOND", limits.RATE_LIMIT_REQUESTS_PER_SECOND
            ),
            rate_burst=_number(env, "STREAMQOE_RATE_LIMIT_BURST", limits.RATE_LIMIT_BURST_REQUESTS),
            client_ip=policy,
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            eventbridge_secret=env.get("STREAMQOE_EVENTBRIDGE_SECRET") or None,
            eventbridge_header=(
                env.get("STREAMQOE_EVENTBRIDGE_HEADER") or DEFAULT_EVENTBRIDGE_HEADER
            ).lower(),
            push_token=env.get("STREAMQOE_PUSH_TOKEN") or None,
            push_audience=env.get("STREAMQOE_PUSH_AUDIENCE") or None,
            push_service_account=env.get("STREAMQOE_PUSH_SERVICE_ACCOUNT") or None,
            push_certs_url=env.get("STREAMQOE_PUSH_CERTS_URL") or GOOGLE_OIDC_CERTS_URL,
            firehose_access_key=env.get("STREAMQOE_FIREHOSE_ACCESS_KEY") or None,
            publish_deadline_seconds=_number(
                env, "STREAMQOE_PUBLISH_DEADLINE_SECONDS", limits.PUBLISH_DEADLINE_SECONDS
            ),
        )

    def open_endpoints(self) -> list[str]:
        """Name the endpoints that accept unauthenticated requests under these settings."""
        out = []
        if not self.write_keys:
            out += ["/v1/beacon", "/v1/cmcd"]
        if not self.eventbridge_secret:
            out.append("/v1/hooks/eventbridge")
        if not (self.push_token or self.push_audience):
            out.append("/v1/hooks/pubsub")
        if not self.firehose_access_key:
            out.append("/v1/hooks/firehose")
        return out
