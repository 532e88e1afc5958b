"""Tests for streamqoe.ingest.privacy: IP truncation."""

from __future__ import annotations

import pytest

from streamqoe.ingest.privacy import truncate_ip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.100", "192.0.2.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("2001:db8::1", "2001:db8::"),
        ("[2001:db8:1:2::1]", "2001:db8:1::"),
        ("fe80::1%eth0", "fe80::"),
        ("::ffff:192.0.2.33", "192.0.2.0"),
        ("-", None),
        ("", None),
        (None, None),
        ("unknown", None),
        ("999.1.1.1", None),
        ("01.2.3.4", None),
        ("1.2.3", None),
    ],
)
def test_truncate_ip(value: str | None, expected: str | None) -> None:
    assert truncate_ip(value) == expected
