"""When views start and what they watch: the daily traffic curve, sessions and the live-event spike.

Produces the view schedule of a run (one entry per view, sorted by start time). Network conditions,
player behaviour and outcomes are drawn later, per chunk, by player.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streamqoe.simulator.config import SimConfig
from streamqoe.simulator.world import SEGMENT_MS, World, stable_hex

# Relative audience by UTC hour of day (evening peak around 20:00).
HOURLY_TRAFFIC_WEIGHT = (
    0.6,
    0.45,
    0.35,
    0.3,
    0.3,
    0.35,
    0.45,
    0.6,
    0.7,
    0.75,
    0.8,
    0.85,
    0.9,
    0.9,
    0.9,
    0.95,
    1.05,
    1.2,
    1.4,
    1.6,
    1.7,
    1.55,
    1.2,
    0.85,
)
MEAN_VIEWS_PER_SESSION = 1.6
SESSION_GAP_MS = (5_000, 60_000)
VOD_COMPLETION_SHARE = 0.25
LIVE_NEWS_SHARE = 0.05
LIVE_SPIKE_ARRIVAL_MINUTES = 8.0
MAX_WATCH_MS = 3 * 3_600_000
MIN_WATCH_MS = 2_000


@dataclass
class Schedule:
    """All views of a run, sorted by `start_ms`."""

    view_id: list[str]
    viewer: np.ndarray
    session_id: list[str]
    content: np.ndarray
    start_ms: np.ndarray  # play_request, true clock, epoch ms
    intent_ms: np.ndarray  # how long the viewer means to watch (media time)
    start_segment: np.ndarray  # first media segment index (VOD 0; live: the live edge)
    completes: np.ndarray  # bool: VOD watched to the end

    @property
    def n(self) -> int:
        return len(self.view_id)


def sample_start_times(cfg: SimConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw `n` start times (epoch ms) following the hourly traffic curve."""
    minutes = max(1, int(cfg.duration_ms // 60_000))
    minute_start = cfg.start_ms + np.arange(minutes, dtype=np.int64) * 60_000
    hour = (minute_start // 3_600_000) % 24
    w = np.asarray(HOURLY_TRAFFIC_WEIGHT)[hour]
    picked = rng.choice(minutes, size=n, p=w / w.sum())
    return minute_start[picked] + rng.integers(0, 60_000, size=n)


def build_schedule(cfg: SimConfig, world: World, rng: np.random.Generator) -> Schedule:
    """Draw every view of the run: sessions of regular views plus the live-event spike."""
    cat = world.catalog
    n_vod = int((~cat.is_live).sum())
    match, news = n_vod, n_vod + 1
    expected = cfg.viewers * cfg.views_per_viewer_per_day * cfg.hours / 24.0
    n_sessions = max(1, int(rng.poisson(expected / MEAN_VIEWS_PER_SESSION)))
    activity = rng.lognormal(0.0, 0.8, cfg.viewers)
    s_viewer = rng.choice(cfg.viewers, size=n_sessions, p=activity / activity.sum())
    s_start = sample_start_times(cfg, n_sessions, rng)
    s_views = rng.geometric(1.0 / MEAN_VIEWS_PER_SESSION, n_sessions).astype(np.int64)
    n_reg = int(s_views.sum())
    sess_of_view = np.repeat(np.arange(n_sessions), s_views)
    is_news = rng.random(n_reg) < LIVE_NEWS_SHARE
    content = np.where(is_news, news, rng.choice(n_vod, size=n_reg, p=cat.popularity[:n_vod]))
    dur = cat.duration_ms[content]
    completes = (~is_news) & (rng.random(n_reg) < VOD_COMPLETION_SHARE)
    frac = rng.beta(1.2, 2.5, n_reg)
    intent = np.where(completes, dur, frac * dur)
    intent = np.where(is_news, rng.lognormal(np.log(10 * 60_000), 0.9, n_reg), intent)
    intent = np.clip(intent, MIN_WATCH_MS, MAX_WATCH_MS).astype(np.int64)
    completes &= intent == dur
    # Views of a session follow each other: start = session start + earlier intents + gaps.
    gap = rng.integers(*SESSION_GAP_MS, size=n_reg) + intent
    first_of_session = np.r_[0, np.cumsum(s_views)[:-1]]
    cum = np.cumsum(gap)
    offset = cum - gap - np.repeat(cum[first_of_session] - gap[first_of_session], s_views)
    start = s_start[sess_of_view] + offset
    viewer = s_viewer[sess_of_view]
    session_key = sess_of_view

    # The live spike: viewers arrive shortly after the event starts.
    n_live = round(n_reg * cfg.live_event_share)
    ev_start, ev_len = int(cat.live_start_ms[match]), int(cat.duration_ms[match])
    l_start = ev_start + np.minimum(
        rng.exponential(LIVE_SPIKE_ARRIVAL_MINUTES * 60_000, n_live), ev_len * 0.9
    ).astype(np.int64)
    l_intent = np.minimum(
        rng.lognormal(np.log(25 * 60_000), 0.8, n_live), ev_start + ev_len - l_start
    )
    l_intent = np.maximum(l_intent, MIN_WATCH_MS).astype(np.int64)

    start = np.r_[start, l_start].astype(np.int64)
    viewer = np.r_[viewer, rng.choice(cfg.viewers, size=n_live)].astype(np.int64)
    content = np.r_[content, np.full(n_live, match)].astype(np.int64)
    intent = np.r_[intent, l_intent]
    completes = np.r_[completes, np.zeros(n_live, bool)]
    session_key = np.r_[session_key, n_sessions + np.arange(n_live)]

    keep = (start >= cfg.start_ms) & (start < cfg.start_ms + cfg.duration_ms)
    order = np.argsort(start[keep], kind="stable")
    idx = np.flatnonzero(keep)[order]
    start, viewer, content = start[idx], viewer[idx], content[idx]
    intent, completes, session_key = intent[idx], completes[idx], session_key[idx]
    live = cat.is_live[content]
    # Live views join at the live edge (three segments behind the newest).
    start_seg = np.where(live, (start - cat.live_start_ms[content]) // SEGMENT_MS - 3, 0)
    start_seg = np.maximum(start_seg, 0).astype(np.int64)
    return Schedule(
        view_id=[f"v-{stable_hex(cfg.seed, 'view', int(i), n=20)}" for i in idx],
        viewer=viewer,
        session_id=[f"s-{stable_hex(cfg.seed, 'session', int(k), n=16)}" for k in session_key],
        content=content,
        start_ms=start,
        intent_ms=intent,
        start_segment=start_seg,
        completes=completes,
    )
