"""The figures of `state`: each sample against what the published events say must be held
(views open + closed within the allowed lateness, by event time), and the verdict."""

from __future__ import annotations

import argparse
import bisect
from pathlib import Path
from typing import Any

from bench.streaming.settings import (
    ALLOWED_LATENESS_SECONDS,
    MINUTE_DELTA_EXTRA_SECONDS,
    MINUTE_DELTA_STEP,
    SIM_START_HOUR,
    VIEW_GAP_SECONDS,
    VIEW_STEP,
)


def sim_clock(hours: float) -> str:
    """HH:MM on the simulator's clock `hours` after SIM_START."""
    h = SIM_START_HOUR + hours
    return f"{int(h) % 24:02d}:{int((h % 1) * 60):02d}"


def view_spans(workdir: Path, gap: float) -> tuple[list[float], list[float]]:
    """Sorted view start times and session window ends (last event + gap), s; empty when the
    publisher was stopped before it wrote them (--max-minutes)."""
    import pyarrow.parquet as pq

    path = workdir / "views.parquet"
    if not path.exists():
        return [], []
    table = pq.read_table(path)
    firsts = sorted(x / 1000 for x in table["first_ms"].to_pylist())
    ends = sorted(x / 1000 + gap for x in table["last_ms"].to_pylist())
    return firsts, ends


def sample_rows(
    samples: list[dict[str, Any]], spans: tuple[list[float], list[float]], t0: float,
    lateness: float, minute_horizon: float,
) -> list[dict[str, Any]]:  # fmt: skip
    """Each sample with the views started / open / closed by then and the bounds."""
    firsts, ends = spans

    def ended_by(w: float) -> int:
        return bisect.bisect_right(ends, w)

    rows = []
    for s in samples:
        w = s.get("held_at") or (t0 + s["wall_s"])
        n_started, n_closed = bisect.bisect_right(firsts, w), ended_by(w)
        within = n_closed - ended_by(w - lateness)
        step = s["steps"].get(VIEW_STEP, {})
        rows.append(
            {
                **{k: s[k] for k in ("wall_s", "sim_hours", "published", "landed", "rss_mb")},
                "views_started": n_started,
                "views_open": n_started - n_closed,
                "views_closed": n_closed,
                "closed_within_lateness": within,
                "bound_view_windows": n_started - n_closed + within,
                "held_view_windows": step.get("windows"),
                "held_view_elements": step.get("elements"),
                "bound_minute_delta_keys": n_started - ended_by(w - minute_horizon),
                "held_minute_delta_keys": s["steps"].get(MINUTE_DELTA_STEP, {}).get("keys"),
                "held_keys": (s["held"] or {}).get("keys"),
                "held_values": (s["held"] or {}).get("values"),
                "held_pass_ms": s["held_pass_ms"],
                "emulator_rss_mb": s["emulator_rss_mb"],
            }
        )
    return rows


def print_rows(rows: list[dict[str, Any]], steps_last: dict[str, Any]) -> None:
    print(
        f"{'wall min':>8} {'sim':>5} {'started':>8} {'open':>6} {'closed':>7} {'bound':>6} "
        f"{'held win':>8} {'held el':>8} {'md bound':>8} {'md keys':>8} {'all keys':>8} "
        f"{'values':>8} {'RSS MB':>7} {'backlog':>8}"
    )
    for r in rows:
        print(
            f"{r['wall_s'] / 60:>8.1f} {sim_clock(r['sim_hours']):>5} {r['views_started']:>8,} "
            f"{r['views_open']:>6,} {r['views_closed']:>7,} {r['bound_view_windows']:>6,} "
            f"{r['held_view_windows'] or 0:>8,} {r['held_view_elements'] or 0:>8,} "
            f"{r['bound_minute_delta_keys']:>8,} {r['held_minute_delta_keys'] or 0:>8,} "
            f"{r['held_keys'] or 0:>8,} {r['held_values'] or 0:>8,} {r['rss_mb']:>7,} "
            f"{r['published'] - r['landed']:>8,}"
        )
    print("\nheld state per stateful step at the end:")
    for label, step in sorted(steps_last.items()):
        print(
            f"  {label}: {step['keys']:,} keys, {step['windows']:,} windows, "
            f"{step['elements']:,} elements, {step['values']:,} values, {step['timers']:,} timers"
        )


def analyse_state(
    args: argparse.Namespace,
    workdir: Path,
    samples: list[dict[str, Any]],
    steps_last: dict[str, Any],
    t0: float,
) -> dict[str, Any]:
    """Print the figures and the verdict; return the summary (names as in earlier runs)."""
    c = args.compression
    gap = VIEW_GAP_SECONDS / c
    lateness = ALLOWED_LATENESS_SECONDS / c
    minute_horizon = lateness + MINUTE_DELTA_EXTRA_SECONDS
    rows = sample_rows(samples, view_spans(workdir, gap), t0, lateness, minute_horizon)
    print(
        f"\nstate over the run (event time compressed {c:g}x: gap {gap:g} s, allowed lateness "
        f"{lateness:g} s; 'bound' = views open + closed within the allowed lateness, by event "
        "time from the published events):"
    )
    print_rows(rows, steps_last)
    verdict = state_verdict(rows, args)
    print(f"\nverdict: {verdict['text']}")
    return {
        "mode": "state",
        "hours": args.hours,
        "viewers": args.viewers,
        "compression": c,
        "housekeeping": not args.no_gc,
        "view_gap_s": gap,
        "allowed_lateness_s": lateness,
        "minute_delta_horizon_s": minute_horizon,
        "samples": rows,
        "steps_last": steps_last,
        "verdict": verdict,
    }


def state_verdict(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Bounded when the view step's held windows stay within the bound (open + within lateness,
    with a margin for sessions split by gaps and the housekeeping interval) while views closed so
    far grow past it, and RSS stops growing with the views processed."""
    useful = [r for r in rows if r["held_view_windows"] is not None]
    if len(useful) < 4:
        return {"bounded": None, "text": "too few samples"}
    ratios = [
        r["held_view_windows"] / max(1, r["bound_view_windows"]) for r in useful[len(useful) // 4 :]
    ]
    last = useful[-1]
    half = useful[len(useful) // 2]
    closed_growth = last["views_closed"] - half["views_closed"]
    rss_growth = last["rss_mb"] - half["rss_mb"]
    held_max = max(r["held_view_windows"] for r in useful)
    bounded = max(ratios) <= 1.5 and held_max < max(1, last["views_closed"])
    text = (
        f"{'BOUNDED' if bounded else 'NOT BOUNDED'}: held view windows / (open + closed within "
        f"lateness) between {min(ratios):.2f} and {max(ratios):.2f} over the last three quarters "
        f"of the run; peak {held_max:,} held view windows while {last['views_closed']:,} views "
        f"closed in total ({closed_growth:,} in the second half, RSS {rss_growth:+,} MB meanwhile)"
    )
    return {
        "bounded": bounded,
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "held_view_windows_max": held_max,
        "views_closed_total": last["views_closed"],
        "rss_growth_second_half_mb": rss_growth,
        "text": text,
    }
