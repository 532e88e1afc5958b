"""Measure ingest parse throughput against the floor of a bare `line.split('\\t')` loop.

Generates, in a temporary directory, a realistic CloudFront standard log (~200k lines: IPv4 and
IPv6 viewers, half the media requests carrying CMCD in the query, `-` nulls, 206 ranges, aborted
requests) and ~200k CMCD strings, then measures in the same run:

- the floors: `for line in file: line.split('\\t')` over the same log file, read plain, and read
  through `gzip.open` from its gzip copy (the same bytes, the way a `.gz` log arrives);
- CloudFront: the full file path (read lines, parse, validate against cdn_request.v1), the same
  without validation, and validation by jsonschema alone on a sample (to show why the compiled
  checker exists);
- CMCD: `decode_cmcd` alone, and full cmcd_report outcomes (`parse_cmcd`, validated);
- the columnar path (streamqoe.ingest.columnar_cloudfront / columnar_cmcd): the whole log file to
  an Arrow table (records validated, dead letters exact), from the plain file and from its gzip,
  the same as row-parser outcomes (dicts), and a column of CMCD strings to the cmcd struct;
- the row parser over the gzip file too, so plain and gzip each have floor, columnar and row
  figures; each columnar figure is compared with the floor over the same file.

Each measurement runs in a forked child, so its peak memory is its own: `peak MB` is the child's
peak resident set minus its resident set at the start, and `cpu` its CPU seconds, all threads
together (above the wall seconds when it used two cores, below them when other jobs held the
cores). The floors and the columnar figures are
the best of `--repeat` runs, taken in rounds (each round measures every one of them once, so a
busy spell on the shared machine hits them alike); row-parser figures are one run.

Run: `cd /work/main && uv run python -m bench.parse [--lines 200000] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.common import cpu_seconds, in_fork, peak_rss_mb, rss_bytes, workdir
from streamqoe.contracts.registry import violations
from streamqoe.ingest import cloudfront
from streamqoe.ingest.cmcd import decode_cmcd, encode_cmcd, parse_cmcd
from streamqoe.ingest.columnar_cloudfront import iter_cloudfront_outcomes, read_cloudfront_table
from streamqoe.ingest.columnar_cmcd import decode_cmcd_column
from streamqoe.ingest.formats import parse_units
from streamqoe.ingest.outcome import Record
from streamqoe.ingest.read import read_lines

logger = logging.getLogger(__name__)

RECEIVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
JSONSCHEMA_SAMPLE_LINES = 20_000
POPS = ("FRA56-P1", "LHR62-C2", "IAD89-C1", "NRT57-P2", "GRU3-C1", "SYD62-P2")
AGENTS = (
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36",
    "Mozilla/5.0%2520(Macintosh;%2520Intel%2520Mac%2520OS%2520X%252010_15_7)",
    "AppleCoreMedia/1.0.0.20G75%20(iPhone;%20U;%20CPU%20OS%2016_6%20like%20Mac%20OS%20X)",
    "ExoPlayerLib/2.19.1",
)


def _cmcd(rng: random.Random, view: int, seg: int) -> dict[str, object]:
    keys: dict[str, object] = {
        "br": rng.choice((800, 1600, 3200, 6000)),
        "bl": rng.randrange(0, 30000, 100),
        "cid": f"movie-{view % 500}",
        "d": 4004,
        "mtp": rng.randrange(1000, 90000, 100),
        "ot": "v",
        "sf": "h",
        "sid": f"6e2fb550-{view:08x}",
        "st": "v",
        "tb": 6000,
    }
    if seg == 0:
        keys["su"] = True
    if rng.random() < 0.02:
        keys["bs"] = True
    return keys


def make_cmcd_strings(n: int, seed: int = 7) -> list[str]:
    """Return `n` CMCD strings as players send them."""
    rng = random.Random(seed)
    return [encode_cmcd(_cmcd(rng, i // 20, i % 20)) for i in range(n)]


def make_cloudfront_log(path: Path, n: int, seed: int = 11) -> None:
    """Write a CloudFront standard log of `n` data lines (plus its headers) to `path`."""
    rng = random.Random(seed)
    lines = ["#Version: 1.0", "#Fields: " + " ".join(cloudfront.STANDARD_FIELDS)]
    for i in range(n):
        view, seg = i // 20, i % 20
        second = i // 60
        ip = (
            f"2001:db8:{rng.randrange(65536):x}:{rng.randrange(65536):x}::{rng.randrange(65536):x}"
            if rng.random() < 0.3
            else f"198.51.{rng.randrange(256)}.{rng.randrange(256)}"
        )
        media = seg > 0
        status = (
            "000" if rng.random() < 0.01 else ("206" if media and rng.random() < 0.2 else "200")
        )
        query = "-"
        if media and rng.random() < 0.5:
            from urllib.parse import quote

            query = "CMCD=" + quote(encode_cmcd(_cmcd(rng, view, seg)), safe="")
        result = rng.choice(("Hit", "Hit", "Hit", "Miss", "RefreshHit"))
        range_start, range_end = ("0", "1048575") if status == "206" else ("-", "-")
        row = [
            "2024-06-01",
            f"{(second // 3600) % 24:02d}:{(second // 60) % 60:02d}:{second % 60:02d}",
            rng.choice(POPS),
            str(rng.randrange(300, 2_000_000)),
            ip,
            "GET",
            "d111111abcdef8.cloudfront.net",
            f"/vod/movie-{view % 500}/1080p/seg_{seg:05d}.m4s" if media else "/vod/master.m3u8",
            status,
            "-",
            rng.choice(AGENTS),
            query,
            "-",
            result,
            f"{i:020d}EXAMPLEREQUESTID==",
            "media.example.com",
            "https",
            str(rng.randrange(200, 900)),
            f"{rng.random():.3f}",
            "-",
            "TLSv1.3",
            "TLS_AES_128_GCM_SHA256",
            result,
            "HTTP/2.0",
            "-",
            "-",
            str(rng.randrange(1024, 65535)),
            f"{rng.random() / 4:.3f}",
            result,
            "video/iso.segment" if media else "application/vnd.apple.mpegurl",
            str(rng.randrange(300, 2_000_000)),
            range_start,
            range_end,
        ]
        lines.append("\t".join(row))
    path.write_text("\n".join(lines) + "\n")


Measured = tuple[float, int, float, float]  # seconds, result, peak MB, CPU seconds


def _measured(run: Callable[[], int]) -> Measured:
    """(seconds, result, peak MB above the start, CPU s) of `run` in a forked child.

    CPU seconds are the child's, all its threads together: above the seconds when the run used
    more than one core, below them when other processes held the cores.
    """

    def child() -> Measured:
        start_mb = rss_bytes() / 2**20
        start_cpu = cpu_seconds()
        start = time.perf_counter()
        produced = run()
        elapsed = time.perf_counter() - start
        return elapsed, produced, peak_rss_mb() - start_mb, cpu_seconds() - start_cpu

    return in_fork(child)


def _report(label: str, count: int, result: Measured) -> float:
    """Print one measurement as lines/s (and its seconds, CPU seconds, result, peak MB)."""
    elapsed, produced, peak_mb, cpu = result
    rate = count / elapsed
    sys.stdout.write(
        f"{label:<52} {rate:>10,.0f} lines/s  ({elapsed:5.2f} s, cpu {cpu:5.2f} s, "
        f"{produced} out, peak {peak_mb:,.0f} MB)\n"
    )
    return rate


def _best_of(runs: dict[str, Callable[[], int]], repeat: int) -> dict[str, Measured]:
    """Run each of `runs` `repeat` times, in rounds (each round runs all once); keep the fastest."""
    best: dict[str, Measured] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            result = _measured(run)
            if name not in best or result[0] < best[name][0]:
                best[name] = result
    return best


def _rate(label: str, count: int, run: Callable[[], int], repeat: int = 1) -> float:
    return _report(label, count, _best_of({label: run}, repeat)[label])


def _split_floor(path: Path, opener: Callable[..., Any]) -> Callable[[], int]:
    def run() -> int:
        count = 0
        with opener(path, "rt") as handle:
            for line in handle:
                count += len(line.split("\t"))
        return count

    return run


def _row_path(path: Path) -> Callable[[], int]:
    def run() -> int:
        units = read_lines(str(path))
        outcomes = parse_units("cloudfront", units, received_at=RECEIVED_AT)
        return sum(1 for o in outcomes if isinstance(o, Record))

    return run


def _columnar_table(path: Path) -> Callable[[], int]:
    def run() -> int:
        result = read_cloudfront_table(str(path), received_at=RECEIVED_AT)
        return result.table.num_rows + len(result.dead_letters)

    return run


def bench_cloudfront(tmp: Path, n: int, repeat: int) -> dict[str, float]:
    """The CloudFront figures (lines/s) and their ratios; prints them."""
    log = tmp / "E2EXAMPLE123.2024-06-01-12.bench.log"
    make_cloudfront_log(log, n)
    log_gz = tmp / (log.name + ".gz")
    log_gz.write_bytes(gzip.compress(log.read_bytes(), compresslevel=6))
    text_lines = log.read_text().splitlines()[2:]

    def no_validation() -> int:
        plan = cloudfront.STANDARD_PLAN
        return sum(1 for line in text_lines if cloudfront._line_record(line, plan, None))

    sample = [
        cloudfront._line_record(line, cloudfront.STANDARD_PLAN, None)
        for line in text_lines[:JSONSCHEMA_SAMPLE_LINES]
    ]

    def jsonschema_only() -> int:
        return sum(1 for record in sample if not violations("cdn_request", record))

    def columnar_outcomes() -> int:
        outcomes = iter_cloudfront_outcomes(str(log), received_at=RECEIVED_AT)
        return sum(1 for o in outcomes if isinstance(o, Record))

    # warm the caches (contract-derived schemas, compiled checks) before forking
    warm = tmp / "warm.log"
    make_cloudfront_log(warm, 50)
    read_cloudfront_table(str(warm), received_at=RECEIVED_AT)
    decode_cmcd_column(make_cmcd_strings(50))

    sys.stdout.write(f"CloudFront standard log, {n} lines\n")
    fast = _best_of(
        {
            "floor": _split_floor(log, open),
            "floor_gz": _split_floor(log_gz, gzip.open),
            "table": _columnar_table(log),
            "table_gz": _columnar_table(log_gz),
        },
        repeat,
    )
    r = {
        "floor": _report("floor: line.split('\\t'), plain file", n, fast["floor"]),
        "floor_gz": _report("floor: line.split('\\t'), gzip file (gzip.open)", n, fast["floor_gz"]),
        "table": _report("columnar: plain file -> Arrow table (validated)", n, fast["table"]),
        "table_gz": _report("columnar: gzip file -> Arrow table (validated)", n, fast["table_gz"]),
        "dicts": _rate("columnar: plain file -> outcomes (record dicts)", n, columnar_outcomes),
        "full": _rate("row parser: plain file -> validated outcomes", n, _row_path(log)),
        "full_gz": _rate("row parser: gzip file -> validated outcomes", n, _row_path(log_gz)),
        "bare": _rate("parse without validation (in memory)", n, no_validation),
        "jsonschema": _rate(
            f"jsonschema validation alone ({len(sample)} records)", len(sample), jsonschema_only
        ),
    }
    ratios = {
        "floor/full": r["floor"] / r["full"],
        "gzip floor/gzip full": r["floor_gz"] / r["full_gz"],
        "floor/no-validation": r["floor"] / r["bare"],
        "floor/(parse + jsonschema)": r["floor"] / (1 / (1 / r["bare"] + 1 / r["jsonschema"])),
        "floor/table": r["floor"] / r["table"],
        "gzip floor/gzip table": r["floor_gz"] / r["table_gz"],
        "plain floor/gzip table": r["floor"] / r["table_gz"],
        "floor/outcome dicts": r["floor"] / r["dicts"],
    }
    sys.stdout.write(
        f"ratio floor/full = {ratios['floor/full']:.1f}x, "
        f"gzip floor/gzip full = {ratios['gzip floor/gzip full']:.1f}x, "
        f"floor/no-validation = {ratios['floor/no-validation']:.1f}x, "
        f"floor/(parse + jsonschema) = {ratios['floor/(parse + jsonschema)']:.1f}x\n"
        f"columnar: floor/table = {ratios['floor/table']:.1f}x, "
        f"gzip floor/gzip table = {ratios['gzip floor/gzip table']:.1f}x (goal: within 5x each); "
        f"plain floor/gzip table = {ratios['plain floor/gzip table']:.1f}x, "
        f"floor/outcome dicts = {ratios['floor/outcome dicts']:.1f}x\n\n"
    )
    return {**{f"cloudfront_{k}_lines_per_s": v for k, v in r.items()}, **ratios}


def bench_cmcd(n: int, repeat: int, cloudfront_floor: float) -> dict[str, float]:
    """The CMCD figures (strings/s) and their ratios; prints them."""
    strings = make_cmcd_strings(n)

    def decode_only() -> int:
        return sum(len(decode_cmcd(s)) for s in strings)

    def reports() -> int:
        count = 0
        for s in strings:
            for outcome in parse_cmcd(s, source="bench", received_at=RECEIVED_AT):
                count += isinstance(outcome, Record)
        return count

    def cmcd_floor() -> int:
        return sum(len(s.split(",")) for s in strings)

    column = pa.array(strings)

    def decode_column() -> int:
        return len(decode_cmcd_column(column).values)

    sys.stdout.write(f"CMCD, {n} strings\n")
    fast = _best_of({"floor": cmcd_floor, "column": decode_column}, repeat)
    r = {
        "floor": _report("floor: s.split(',')", n, fast["floor"]),
        "column": _report("columnar: decode_cmcd_column -> cmcd struct", n, fast["column"]),
        "decode": _rate("decode_cmcd", n, decode_only),
        "report": _rate("parse_cmcd (cmcd_report outcomes, validated)", n, reports),
    }
    ratios = {
        "cloudfront-floor/decode": cloudfront_floor / r["decode"],
        "cloudfront-floor/parse_cmcd": cloudfront_floor / r["report"],
        "split(',')-floor/parse_cmcd": r["floor"] / r["report"],
        "cloudfront-floor/decode_cmcd_column": cloudfront_floor / r["column"],
        "split(',')-floor/decode_cmcd_column": r["floor"] / r["column"],
    }
    split_report = ratios["split(',')-floor/parse_cmcd"]
    split_column = ratios["split(',')-floor/decode_cmcd_column"]
    sys.stdout.write(
        f"ratio cloudfront-floor/decode = {ratios['cloudfront-floor/decode']:.1f}x, "
        f"cloudfront-floor/parse_cmcd = {ratios['cloudfront-floor/parse_cmcd']:.1f}x, "
        f"split(',')-floor/parse_cmcd = {split_report:.1f}x\n"
        "columnar: cloudfront-floor/decode_cmcd_column = "
        f"{ratios['cloudfront-floor/decode_cmcd_column']:.1f}x, "
        f"split(',')-floor/decode_cmcd_column = {split_column:.1f}x\n"
    )
    return {**{f"cmcd_{k}_per_s": v for k, v in r.items()}, **ratios}


def run(lines: int, repeat: int) -> dict[str, float]:
    """Every figure of the bench (rates and ratios), printed as it is measured."""
    with workdir(None, "parse-bench-") as tmp:
        figures = bench_cloudfront(tmp, lines, repeat)
        figures |= bench_cmcd(lines, repeat, figures["cloudfront_floor_lines_per_s"])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="log lines and CMCD strings")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast measurements")
    args = parser.parse_args(argv)
    run(args.lines, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
