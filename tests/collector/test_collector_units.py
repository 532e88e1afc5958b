"""Pure parts of the collector: limits helpers, settings, write keys, rate limits, push JWTs."""

from __future__ import annotations

import datetime as dt
import gzip
import time

import pytest

from collector import limits
from collector.auth import PushVerifier, RateLimiter, property_for_key
from collector.errors import Rejection
from collector.settings import Settings, SettingsError
from collector.units import gunzip, json_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"{}", 1),
        (b'[{"a": [1, {"b": 2}]}]', 4),
        (b'{"a": "[[[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[["}', 1),
        (b"[" * 40 + b"]" * 40, limits.MAX_JSON_DEPTH + 1),
        (b"42", 0),
    ],
)
def test_json_depth(text, depth):
    assert json_depth(text) == depth


def test_gunzip_limits():
    assert gunzip(gzip.compress(b"abc"), 10) == b"abc"
    with pytest.raises(Rejection) as too_big:
        gunzip(gzip.compress(b"x" * 100), 99)
    assert too_big.value.status == 413
    with pytest.raises(Rejection) as truncated:
        gunzip(gzip.compress(b"x" * 100)[:-8], 1000)
    assert truncated.value.error_class == "BadGzip"


def test_settings_from_env():
    s = Settings.from_env(
        {
            "STREAMQOE_WRITE_KEYS": "news=k1, vod=k2",
            "STREAMQOE_REVOKED_WRITE_KEYS": "k0",
            "STREAMQOE_RATE_LIMIT_PER_SECOND": "5",
            "STREAMQOE_CLIENT_IP": "drop",
        }
    )
    assert s.write_keys == {"k1": "news", "k2": "vod"} and s.revoked_keys == {"k0"}
    assert s.rate_per_second == 5 and s.client_ip == "drop"
    assert "/v1/beacon" not in s.open_endpoints() and "/v1/hooks/firehose" in s.open_endpoints()
    for bad in (
        {"STREAMQOE_WRITE_KEYS": "nokey"},
        {"STREAMQOE_CLIENT_IP": "keep"},
        {"STREAMQOE_RATE_LIMIT_BURST": "-1"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)


def test_write_keys():
    open_settings = Settings()
    assert property_for_key(open_settings, None) is None
    s = Settings(write_keys={"k1": "news"}, revoked_keys=frozenset({"k0"}))
    assert property_for_key(s, "k1") == "news"
    for key, status in ((None, 401), ("zz", 401), ("k0", 403)):
        with pytest.raises(Rejection) as exc:
            property_for_key(s, key)
        assert exc.value.status == status


def test_rate_limiter_refills():
    now = [0.0]
    limiter = RateLimiter(2.0, 3, clock=lambda: now[0], max_buckets=2)
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(Rejection) as exc:
        limiter.take("a")
    assert exc.value.status == 429 and exc.value.headers["Retry-After"] == "1"
    limiter.take("b")  # buckets are per name
    now[0] = 0.5  # one token back
    limiter.take("a")
    with pytest.raises(Rejection):
        limiter.take("a")


def _key_and_cert():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem_key, cert.public_bytes(serialization.Encoding.PEM).decode()


def test_push_jwt_is_verified():
    from google.auth import crypt, jwt

    pem_key, pem_cert = _key_and_cert()
    signer = crypt.RSASigner.from_string(pem_key, key_id="kid-1")
    s = Settings(
        push_audience="https://collector.example/v1/hooks/pubsub",
        push_service_account="push@p.iam.gserviceaccount.com",
        push_token="tok",
    )
    verifier = PushVerifier(s, lambda url: {"kid-1": pem_cert})

    def token(**claims):
        now = int(time.time())
        base = {
            "iss": "https://accounts.google.com",
            "aud": s.push_audience,
            "email": s.push_service_account,
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
        }
        return "Bearer " + jwt.encode(signer, {**base, **claims}).decode()

    assert verifier.verify("tok", token())["email"] == s.push_service_account
    cases = [
        ("tok", None, 401),
        ("bad", token(), 401),
        ("tok", token(aud="https://elsewhere"), 401),
        ("tok", token(iss="https://evil.example"), 401),
        ("tok", token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), 401),
        ("tok", token(email="other@p.iam.gserviceaccount.com"), 403),
    ]
    for arg, auth, status in cases:
        with pytest.raises(Rejection) as exc:
            verifier.verify(arg, auth)
        assert exc.value.status == status, (arg, auth)
    other_key, _ = _key_and_cert()
    forged = jwt.encode(
        crypt.RSASigner.from_string(other_key, key_id="kid-1"),
        {"iss": "https://accounts.google.com", "aud": s.push_audience, "exp": 2**31},
    ).decode()
    with pytest.raises(Rejection):
        verifier.verify("tok", "Bearer " + forged)
