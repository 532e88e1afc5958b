"""bench.parse on 2,000 lines: every rate and ratio is measured and printed."""

from __future__ import annotations

import pytest

from bench import parse

RATIOS = (
    "floor/full",
    "gzip floor/gzip full",
    "floor/no-validation",
    "floor/(parse + jsonschema)",
    "floor/table",
    "gzip floor/gzip table",
    "plain floor/gzip table",
    "floor/outcome dicts",
    "cloudfront-floor/decode",
    "cloudfront-floor/parse_cmcd",
    "split(',')-floor/parse_cmcd",
    "cloudfront-floor/decode_cmcd_column",
    "split(',')-floor/decode_cmcd_column",
)


def test_parse_bench_measures_every_path(capsys: pytest.CaptureFixture[str]) -> None:
    figures = parse.run(lines=2000, repeat=1)
    printed = capsys.readouterr().out

    for name in RATIOS:
        assert figures[name] > 0, name
        assert f"{name} = " in printed, name
    rates = [v for k, v in figures.items() if k.endswith("_per_s")]
    assert len(rates) == 13 and all(rate > 0 for rate in rates)
    assert "CloudFront standard log, 2000 lines" in printed
    assert "CMCD, 2000 strings" in printed
