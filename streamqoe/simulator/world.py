"""The simulated world: content catalog with ABR ladders, viewers, devices, networks and CDN PoPs.

Everything is held in numpy arrays indexed by integer ids so that the player model can work on
whole chunks of views at once. The world is drawn once per run from the run's seed; it holds no
time-dependent state (traffic and incidents are in traffic.py and incidents.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from streamqoe.simulator.config import SimConfig

SEGMENT_MS = 4000
CDN_NAMES = ("cloudfront", "mediacdn")
CLOUDFRONT_HOST = "d2x7examplecf.cloudfront.net"
MEDIACDN_HOST = "media.streamqoe.example"

# (country, weight, [(isp, asn, median throughput kbps, rtt ms)], cloudfront PoPs, Media CDN caches)
COUNTRIES: tuple[
    tuple[str, float, tuple[tuple[str, int, int, int], ...], tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        "US",
        0.34,
        (
            ("Comcast", 7922, 22000, 25),
            ("Verizon", 701, 26000, 22),
            ("AT&T", 7018, 18000, 28),
            ("Charter", 20115, 16000, 30),
            ("T-Mobile", 21928, 9000, 45),
        ),
        ("IAD89-C1", "SFO53-P2"),
        ("iad-3f2a1c", "sjc-81b0d4"),
    ),
    (
        "GB",
        0.10,
        (("BT", 2856, 17000, 20), ("Sky", 5607, 15000, 22), ("Virgin Media", 5089, 20000, 20)),
        ("LHR61-P2",),
        ("lhr-5c7e90",),
    ),
    (
        "DE",
        0.09,
        (("Deutsche Telekom", 3320, 16000, 18), ("Vodafone", 3209, 14000, 22)),
        ("FRA56-P1",),
        ("fra-2d4b6f",),
    ),
    (
        "FR",
        0.07,
        (("Orange", 3215, 19000, 18), ("Free", 12322, 21000, 20)),
        ("CDG50-C1",),
        ("cdg-7a1e22",),
    ),
    (
        "BR",
        0.09,
        (("Claro", 28573, 9000, 45), ("Vivo", 26599, 8000, 50)),
        ("GRU3-C1",),
        ("gru-4e9d10",),
    ),
    (
        "IN",
        0.11,
        (("Jio", 55836, 6000, 60), ("Airtel", 24560, 7000, 55)),
        ("BOM52-P1",),
        ("bom-6b3c85",),
    ),
    (
        "JP",
        0.07,
        (("NTT", 4713, 30000, 15), ("KDDI", 2516, 25000, 18)),
        ("NRT57-P3",),
        ("nrt-1f8a3e",),
    ),
    (
        "AU",
        0.05,
        (("Telstra", 1221, 14000, 30), ("Optus", 4804, 12000, 35)),
        ("SYD62-P1",),
        ("syd-9c2f47",),
    ),
    (
        "CA",
        0.05,
        (("Rogers", 812, 17000, 28), ("Bell", 577, 18000, 26)),
        ("YUL62-C1",),
        ("yul-0d5e6a",),
    ),
    ("ES", 0.03, (("Telefonica", 3352, 18000, 22),), ("MAD53-P1",), ("mad-8e7b2d",)),
)

# Device profiles: (weight, device_type, model, os, os_version, browser, browser_version, app,
# app_version, player, player_version, sf (h HLS / d DASH), max rung height, user agent)
DEVICES: tuple[tuple, ...] = (
    (
        0.22,
        "desktop",
        None,
        "Windows",
        "10",
        "Chrome",
        "131.0.0.0",
        None,
        None,
        "hls.js",
        "1.5.17",
        "h",
        1080,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
    ),
    (
        0.07,
        "desktop",
        None,
        "Windows",
        "10",
        "Edge",
        "131.0.2903.86",
        None,
        None,
        "shaka-player",
        "4.12.5",
        "d",
        1080,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    ),
    (
        0.08,
        "desktop",
        None,
        "macOS",
        "14.6",
        "Safari",
        "18.1",
        None,
        None,
        "avplayer",
        "18.1",
        "h",
        1080,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
    ),
    (
        0.04,
        "desktop",
        None,
        "Linux",
        None,
        "Firefox",
        "133.0",
        None,
        None,
        "hls.js",
        "1.5.17",
        "h",
        1080,
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    (
        0.20,
        "mobile",
        "iPhone15,2",
        "iOS",
        "18.1",
        None,
        None,
        "StreamQoE Demo",
        "3.4.0",
        "avplayer",
        "18.1",
        "h",
        720,
        "StreamQoEDemo/3.4.0 CFNetwork/1568.200.51 Darwin/24.1.0",
    ),
    (
        0.18,
        "mobile",
        "Pixel 8",
        "Android",
        "15",
        None,
        None,
        "StreamQoE Demo",
        "3.4.1",
        "exoplayer",
        "1.5.0",
        "d",
        720,
        "StreamQoEDemo/3.4.1 (Linux;Android 15) ExoPlayerLib/1.5.0",
    ),
    (
        0.06,
        "tablet",
        "iPad13,4",
        "iPadOS",
        "17.7",
        None,
        None,
        "StreamQoE Demo",
        "3.4.0",
        "avplayer",
        "17.7",
        "h",
        1080,
        "StreamQoEDemo/3.4.0 CFNetwork/1498.700.2 Darwin/23.6.0",
    ),
    (
        0.10,
        "tv",
        "QN65Q80C",
        "Tizen",
        "7.0",
        None,
        None,
        "StreamQoE TV",
        "2.1.0",
        "shaka-player",
        "4.12.5",
        "d",
        1080,
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "7.0 TV Safari/537.36",
    ),
    (
        0.03,
        "tv",
        "Roku Ultra",
        "Roku OS",
        "13.0",
        None,
        None,
        "StreamQoE Roku",
        "1.9.2",
        "roku",
        "13.0",
        "h",
        1080,
        "Roku/DVP-13.0 (13.0.4.5000-46)",
    ),
    (
        0.02,
        "console",
        "PlayStation 5",
        "PlayStation",
        "24.06",
        None,
        None,
        "StreamQoE PS",
        "1.2.0",
        "shaka-player",
        "4.11.0",
        "d",
        1080,
        "Mozilla/5.0 (PlayStation; PlayStation 5/24.06) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    ),
)

# ABR ladders: rungs of (name, width, height, bitrate kbps, codec, fps).
LADDERS: tuple[tuple[tuple[str, int, int, int, str, float], ...], ...] = (
    (
        ("240p", 426, 240, 400, "avc1.42c015", 30.0),
        ("360p", 640, 360, 800, "avc1.4d401e", 30.0),
        ("480p", 854, 480, 1400, "avc1.4d401f", 30.0),
        ("720p", 1280, 720, 2800, "avc1.4d401f", 30.0),
        ("1080p", 1920, 1080, 5000, "avc1.640028", 30.0),
    ),
    (
        ("240p", 426, 240, 300, "hvc1.1.6.L90.B0", 30.0),
        ("360p", 640, 360, 600, "hvc1.1.6.L93.B0", 30.0),
        ("540p", 960, 540, 1200, "hvc1.1.6.L93.B0", 30.0),
        ("720p", 1280, 720, 2000, "hvc1.1.6.L120.B0", 30.0),
        ("1080p", 1920, 1080, 3500, "hvc1.1.6.L120.B0", 30.0),
    ),
    (
        ("360p", 640, 360, 800, "avc1.4d401e", 60.0),
        ("540p", 960, 540, 1800, "avc1.4d401f", 60.0),
        ("720p", 1280, 720, 3200, "avc1.4d4020", 60.0),
        ("1080p", 1920, 1080, 6000, "avc1.64002a", 60.0),
    ),
)
MAX_RUNGS = max(len(ladder) for ladder in LADDERS)

VOD_TITLES_PER_1000_VIEWERS = 60
MIN_VOD_TITLES = 40
ZIPF_EXPONENT = 1.0


@dataclass
class Catalog:
    """Content items; index 0..n_vod-1 are VOD titles, then the live events."""

    content_id: list[str]
    title: list[str]
    is_live: np.ndarray  # bool
    duration_ms: np.ndarray  # int64; live: event length
    ladder: np.ndarray  # int index into LADDERS
    popularity: np.ndarray  # float, sums to 1 over VOD titles, 0 for live
    popularity_rank: np.ndarray  # 0 = most popular
    live_start_ms: np.ndarray  # epoch ms, 0 for VOD
    provider: np.ndarray  # 0 MediaConvert, 1 Transcoder API (who transcoded it)

    @property
    def n(self) -> int:
        return len(self.content_id)


@dataclass
class Viewers:
    """Viewers and their fixed attributes (one device, one access network, one CDN)."""

    viewer_id: list[str]
    country: np.ndarray  # index into COUNTRIES
    isp: np.ndarray  # global ISP index into World.isp_*
    device: np.ndarray  # index into DEVICES
    cdn: np.ndarray  # 0 cloudfront, 1 mediacdn
    pop: np.ndarray  # global PoP index into World.pop_*
    ip: list[str]
    throughput_kbps: np.ndarray  # the viewer's median downlink
    rtt_ms: np.ndarray
    clock_skew_ms: np.ndarray  # int64, 0 for most viewers

    @property
    def n(self) -> int:
        return len(self.viewer_id)


@dataclass
class World:
    """Catalog, viewers, networks and PoPs of one run."""

    catalog: Catalog
    viewers: Viewers
    isp_name: list[str]
    isp_asn: np.ndarray
    isp_country: np.ndarray
    pop_code: list[str]
    pop_cdn: np.ndarray
    pop_country: np.ndarray
    ladder_bitrate_kbps: np.ndarray  # (n_ladders, MAX_RUNGS), 0 past the ladder's top
    ladder_rungs: np.ndarray  # rungs per ladder
    ladder_height: np.ndarray  # (n_ladders, MAX_RUNGS)


def stable_hex(*parts: object, n: int = 16) -> str:
    """Return a deterministic hex id derived from `parts` (not random, not secret)."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()[:n]


def build_catalog(cfg: SimConfig, rng: np.random.Generator) -> Catalog:
    """Draw VOD titles (Zipf popularity) and the live events of the window."""
    n_vod = max(MIN_VOD_TITLES, int(cfg.viewers * VOD_TITLES_PER_1000_VIEWERS / 1000))
    n_vod = min(n_vod, 2000)
    kinds = rng.choice(3, size=n_vod, p=[0.5, 0.3, 0.2])  # episode, movie, short
    minutes = np.where(
        kinds == 0,
        rng.uniform(22, 60, n_vod),
        np.where(kinds == 1, rng.uniform(85, 150, n_vod), rng.uniform(2, 12, n_vod)),
    )
    vod_duration = (np.round(minutes * 60_000 / SEGMENT_MS) * SEGMENT_MS).astype(np.int64)
    ranks = rng.permutation(n_vod)
    weights = 1.0 / (ranks + 1.0) ** ZIPF_EXPONENT
    popularity = weights / weights.sum()
    ladder = rng.choice(2, size=n_vod, p=[0.75, 0.25])
    words = (
        "Northern",
        "Lights",
        "Harbor",
        "Signal",
        "Echo",
        "Summit",
        "River",
        "Glass",
        "Orbit",
        "Atlas",
        "Quiet",
        "Hour",
        "Static",
        "Ember",
        "Delta",
        "Paper",
    )
    titles = [
        f"{words[i % 16]} {words[(i * 7 + 3) % 16]}"
        + (f" S{1 + i % 4}E{1 + i % 10}" if kinds[i] == 0 else "")
        for i in range(n_vod)
    ]
    ids = [f"vod-{stable_hex(cfg.seed, 'vod', i, n=12)}" for i in range(n_vod)]
    # Live: the spike event (a match) and a 24/7 news channel.
    event_start = cfg.start_ms + int(cfg.duration_ms * 0.6) // 60_000 * 60_000
    event_len = max(30 * 60_000, min(2 * 3_600_000, cfg.duration_ms - (event_start - cfg.start_ms)))
    live_ids = [
        f"live-{stable_hex(cfg.seed, 'match', n=12)}",
        f"live-{stable_hex(cfg.seed, 'news', n=12)}",
    ]
    return Catalog(
        content_id=ids + live_ids,
        title=[*titles, "Championship Final (live)", "World News 24/7"],
        is_live=np.r_[np.zeros(n_vod, bool), np.ones(2, bool)],
        duration_ms=np.r_[vod_duration, [event_len, cfg.duration_ms + 6 * 3_600_000]].astype(
            np.int64
        ),
        ladder=np.r_[ladder, [2, 0]].astype(np.int64),
        popularity=np.r_[popularity, [0.0, 0.0]],
        popularity_rank=np.r_[ranks, [0, 0]].astype(np.int64),
        live_start_ms=np.r_[
            np.zeros(n_vod, np.int64), [event_start, cfg.start_ms - 3_600_000]
        ].astype(np.int64),
        provider=np.r_[rng.choice(2, size=n_vod, p=[0.6, 0.4]), [0, 0]].astype(np.int64),
    )


def build_world(cfg: SimConfig, rng: np.random.Generator) -> World:
    """Draw the whole world for one run."""
    catalog = build_catalog(cfg, rng)
    isp_name, isp_asn, isp_country, isp_thr, isp_rtt = [], [], [], [], []
    pop_code, pop_cdn, pop_country = [], [], []
    country_isps: list[list[int]] = []
    country_pops: list[list[list[int]]] = []
    for ci, (_, _, isps, cf_pops, mc_pops) in enumerate(COUNTRIES):
        country_isps.append([])
        for name, asn, thr, rtt in isps:
            country_isps[-1].append(len(isp_name))
            isp_name.append(name)
            isp_asn.append(asn)
            isp_country.append(ci)
            isp_thr.append(thr)
            isp_rtt.append(rtt)
        per_cdn = []
        for cdn, pops in enumerate((cf_pops, mc_pops)):
            per_cdn.append([])
            for code in pops:
                per_cdn[-1].append(len(pop_code))
                pop_code.append(code)
                pop_cdn.append(cdn)
                pop_country.append(ci)
        country_pops.append(per_cdn)

    n = cfg.viewers
    cw = np.array([c[1] for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=cw / cw.sum())
    isp = np.empty(n, np.int64)
    pop = np.empty(n, np.int64)
    cdn = (rng.random(n) < 0.4).astype(np.int64)  # 60 % CloudFront, 40 % Media CDN
    u_isp = rng.random(n)
    u_pop = rng.random(n)
    for ci in range(len(COUNTRIES)):
        sel = country == ci
        isps = country_isps[ci]
        isp[sel] = np.asarray(isps)[np.minimum((u_isp[sel] * len(isps)).astype(int), len(isps) - 1)]
        for c in (0, 1):
            sel_c = sel & (cdn == c)
            pops = country_pops[ci][c]
            # The first PoP of a country is its busiest (70 %).
            idx = np.where(
                u_pop[sel_c] < 0.7, 0, 1 + (u_pop[sel_c] * 100).astype(int) % max(1, len(pops) - 1)
            )
            pop[sel_c] = np.asarray(pops)[np.minimum(idx, len(pops) - 1)]
    dw = np.array([d[0] for d in DEVICES])
    device = rng.choice(len(DEVICES), size=n, p=dw / dw.sum())
    isp_thr_a = np.asarray(isp_thr, float)
    mobile = np.isin(device, [4, 5])
    throughput = isp_thr_a[isp] * rng.lognormal(0.0, 0.6, n) * np.where(mobile, 0.6, 1.0)
    rtt = np.asarray(isp_rtt, float)[isp] * rng.lognormal(0.0, 0.3, n) * np.where(mobile, 1.5, 1.0)
    skewed = rng.random(n) < cfg.faults.clock_skew
    skew = np.sign(rng.random(n) - 0.5) * np.exp(
        rng.uniform(np.log(2_000), np.log(3 * 3_600_000), n)
    )
    skew = np.where(skewed, skew, 0).astype(np.int64)
    asn = np.asarray(isp_asn)
    octets = rng.integers(0, 256, size=(n, 2))
    ips = [
        f"{(asn[isp[i]] % 200) + 23}.{(asn[isp[i]] // 7) % 256}.{octets[i, 0]}.{octets[i, 1]}"
        for i in range(n)
    ]
    viewers = Viewers(
        viewer_id=[f"vw-{stable_hex(cfg.seed, 'viewer', i)}" for i in range(n)],
        country=country.astype(np.int64),
        isp=isp,
        device=device.astype(np.int64),
        cdn=cdn,
        pop=pop,
        ip=ips,
        throughput_kbps=throughput,
        rtt_ms=rtt,
        clock_skew_ms=skew,
    )
    ladder_br = np.zeros((len(LADDERS), MAX_RUNGS), np.int64)
    ladder_h = np.zeros((len(LADDERS), MAX_RUNGS), np.int64)
    for li, ladder in enumerate(LADDERS):
        for ri, rung in enumerate(ladder):
            ladder_br[li, ri] = rung[3]
            ladder_h[li, ri] = rung[2]
    return World(
        catalog=catalog,
        viewers=viewers,
        isp_name=isp_name,
        isp_asn=np.asarray(isp_asn, np.int64),
        isp_country=np.asarray(isp_country, np.int64),
        pop_code=pop_code,
        pop_cdn=np.asarray(pop_cdn, np.int64),
        pop_country=np.asarray(pop_country, np.int64),
        ladder_bitrate_kbps=ladder_br,
        ladder_rungs=np.array([len(lad) for lad in LADDERS], np.int64),
        ladder_height=ladder_h,
    )
