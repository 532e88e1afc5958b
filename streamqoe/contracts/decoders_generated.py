"""Typed decoders of the contracts: one msgspec Struct per object schema in schemas/*.v1.json.

Generated from the contracts by `streamqoe contracts generate` (streamqoe/contracts/decoder_source.py);
do not edit: `streamqoe contracts check` reports drift. Decode with streamqoe.contracts.decoders.
Int aliases carry the int64 bounds the registry gives every integer (registry.bound_integers);
`gc=False` because a decoded Struct cannot be part of a reference cycle.
"""

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from streamqoe.contracts.formats import FormatViolation, format_checker
from streamqoe.contracts.registry import INT64_MAX, INT64_MIN

_DATE_TIME = format_checker("date-time")

SchemaVersionStr = Annotated[str, Meta(pattern="^1\\.[0-9]+$")]
Int64Min0 = Annotated[int, Meta(ge=0, le=INT64_MAX)]
_IntMin0Max1 = Annotated[int, Meta(ge=0, le=1)]
NumberMin0Max1 = _IntMin0Max1 | Annotated[float, Meta(ge=0, le=1)]
_IntMin0 = Annotated[int, Meta(ge=0)]
NumberMin0 = _IntMin0 | Annotated[float, Meta(ge=0)]
CdnEnum = Literal["cloudfront", "mediacdn", "akamai"]
LogFormatEnum = Literal[
    "cloudfront_standard",
    "cloudfront_realtime",
    "mediacdn_logentry",
    "akamai_ds2",
]
StrMax256 = Annotated[str, Meta(max_length=256)]
StrMax64 = Annotated[str, Meta(max_length=64)]
ClientCountryStr = Annotated[str, Meta(pattern="^[A-Z]{2}$")]
StrMax16 = Annotated[str, Meta(max_length=16)]
StrMax8192 = Annotated[str, Meta(max_length=8192)]
Int64Min0Max999 = Annotated[int, Meta(ge=0, le=999)]
CacheResultEnum = Literal["hit", "miss", "refresh", "error", "other"]
StrMax2048 = Annotated[str, Meta(max_length=2048)]
StrMax4096 = Annotated[str, Meta(max_length=4096)]
Int64Min1 = Annotated[int, Meta(ge=1, le=INT64_MAX)]
StrMax128 = Annotated[str, Meta(max_length=128)]
OtEnum = Literal["m", "a", "v", "av", "i", "c", "tt", "k", "o"]
SfEnum = Literal["d", "h", "s", "o"]
StEnum = Literal["v", "l", "ll"]
StaEnum = Literal["s", "p", "k", "r", "a", "w", "e", "f", "q", "d"]
Int64 = Annotated[int, Meta(ge=INT64_MIN, le=INT64_MAX)]
ReportModeEnum = Literal["request", "event", "response"]
TransmissionEnum = Literal["query", "headers", "body_text", "body_json"]
StrMax1024 = Annotated[str, Meta(max_length=1024)]
StrMin1 = Annotated[str, Meta(min_length=1)]
StageEnum = Literal["decode", "parse", "validate", "transform", "late", "sink"]
StrMin1Max128 = Annotated[str, Meta(min_length=1, max_length=128)]
StrMax512 = Annotated[str, Meta(max_length=512)]
StreamTypeEnum = Literal["vod", "live"]
EventTypeEnum = Literal[
    "play_request",
    "playing",
    "pause",
    "resume",
    "seek_start",
    "seek_end",
    "rebuffer_start",
    "rebuffer_end",
    "bitrate_change",
    "error",
    "heartbeat",
    "ended",
    "exit",
]
DeviceTypeEnum = Literal["desktop", "mobile", "tablet", "tv", "console", "other"]
DimensionEnum = Literal["all", "cdn", "pop", "country", "device_type", "player_name", "content_id"]
ProviderEnum = Literal["mediaconvert", "medialive", "transcoder", "ffmpeg"]
StrMin1Max512 = Annotated[str, Meta(min_length=1, max_length=512)]
StateEnum = Literal[
    "submitted",
    "queued",
    "progressing",
    "complete",
    "error",
    "canceled",
    "starting",
    "running",
    "stopping",
    "stopped",
    "alert",
    "alert_cleared",
    "unknown",
]
_IntMin0Max100 = Annotated[int, Meta(ge=0, le=100)]
NumberMin0Max100 = _IntMin0Max100 | Annotated[float, Meta(ge=0, le=100)]
SourceEnum = Literal["beacon", "cmcd"]
CloseReasonEnum = Literal["exit", "ended", "fatal_error", "inactivity"]
StrMax2 = Annotated[str, Meta(max_length=2)]
StrMax32 = Annotated[str, Meta(max_length=32)]


class CdnPopMinute(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """cdn_pop_minute.v1: CDN PoP per minute."""

    schema_version: SchemaVersionStr
    window_start: str
    window_end: str
    cdn: str
    pop: str
    request_count: Int64Min0
    bytes_sent: Int64Min0
    cache_hit_count: Int64Min0
    cache_miss_count: Int64Min0
    error_count: Int64Min0
    cache_hit_ratio: NumberMin0Max1 | UnsetType | None = UNSET
    error_rate: NumberMin0Max1 | UnsetType | None = UNSET
    ttfb_p50_ms: NumberMin0 | UnsetType | None = UNSET
    ttfb_p95_ms: NumberMin0 | UnsetType | None = UNSET
    is_final: bool
    version: Int64Min0
    updated_at: str

    def __post_init__(self) -> None:
        v = self.window_start
        if not _DATE_TIME(v):
            raise FormatViolation(".window_start", "date-time", v)
        v = self.window_end
        if not _DATE_TIME(v):
            raise FormatViolation(".window_end", "date-time", v)
        v = self.updated_at
        if not _DATE_TIME(v):
            raise FormatViolation(".updated_at", "date-time", v)


class Cmcd(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """cmcd.v1: CMCD data (CTA-5004 v1 and CTA-5004-B v2 keys, decoded and typed)."""

    v: Int64Min1 | UnsetType | None = UNSET
    sid: StrMax128 | UnsetType | None = UNSET
    cid: StrMax128 | UnsetType | None = UNSET
    br: Int64Min0 | UnsetType | None = UNSET
    ab: Int64Min0 | UnsetType | None = UNSET
    lb: Int64Min0 | UnsetType | None = UNSET
    tb: Int64Min0 | UnsetType | None = UNSET
    tpb: Int64Min0 | UnsetType | None = UNSET
    pb: Int64Min0 | UnsetType | None = UNSET
    bl: Int64Min0 | UnsetType | None = UNSET
    tbl: Int64Min0 | UnsetType | None = UNSET
    bs: bool | UnsetType | None = UNSET
    bsd: Int64Min0 | UnsetType | None = UNSET
    bsa: Int64Min0 | UnsetType | None = UNSET
    bsda: Int64Min0 | UnsetType | None = UNSET
    d: Int64Min0 | UnsetType | None = UNSET
    dl: Int64Min0 | UnsetType | None = UNSET
    mtp: Int64Min0 | UnsetType | None = UNSET
    rtp: Int64Min0 | UnsetType | None = UNSET
    nor: str | UnsetType | None = UNSET
    nrr: str | UnsetType | None = UNSET
    ot: OtEnum | UnsetType | None = UNSET
    pr: NumberMin0 | UnsetType | None = UNSET
    sf: SfEnum | UnsetType | None = UNSET
    st: StEnum | UnsetType | None = UNSET
    su: bool | UnsetType | None = UNSET
    sta: StaEnum | UnsetType | None = UNSET
    e: StrMax16 | UnsetType | None = UNSET
    cen: str | UnsetType | None = UNSET
    ts: Int64Min0 | UnsetType | None = UNSET
    sn: Int64Min0 | UnsetType | None = UNSET
    pt: Int64Min0 | UnsetType | None = UNSET
    msd: Int64Min0 | UnsetType | None = UNSET
    ltc: Int64 | UnsetType | None = UNSET
    dfa: Int64Min0 | UnsetType | None = UNSET
    ec: str | UnsetType | None = UNSET
    bg: bool | UnsetType | None = UNSET
    nr: bool | UnsetType | None = UNSET
    cs: str | UnsetType | None = UNSET
    h: str | UnsetType | None = UNSET
    url: str | UnsetType | None = UNSET
    rc: Int64Min0 | UnsetType | None = UNSET
    ttfb: Int64Min0 | UnsetType | None = UNSET
    ttfbb: Int64Min0 | UnsetType | None = UNSET
    ttlb: Int64Min0 | UnsetType | None = UNSET
    cmsdd: str | UnsetType | None = UNSET
    cmsds: str | UnsetType | None = UNSET
    smrt: str | UnsetType | None = UNSET
    lists: dict[str, Any] | UnsetType | None = UNSET
    custom: dict[str, Any] | UnsetType | None = UNSET


class CdnRequest(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """cdn_request.v1: CDN request."""

    schema_version: SchemaVersionStr
    cdn: CdnEnum
    log_format: LogFormatEnum
    request_id: StrMax256 | UnsetType | None = UNSET
    request_at: str
    distribution: StrMax256 | UnsetType | None = UNSET
    pop: StrMax64 | UnsetType | None = UNSET
    client_ip: StrMax64 | UnsetType | None = UNSET
    client_country: ClientCountryStr | UnsetType | None = UNSET
    client_asn: Int64Min0 | UnsetType | None = UNSET
    method: StrMax16
    protocol: StrMax16 | UnsetType | None = UNSET
    http_version: StrMax16 | UnsetType | None = UNSET
    host: StrMax256 | UnsetType | None = UNSET
    path: StrMax8192
    query: StrMax8192 | UnsetType | None = UNSET
    status: Int64Min0Max999
    bytes_sent: Int64Min0 | UnsetType | None = UNSET
    bytes_received: Int64Min0 | UnsetType | None = UNSET
    time_taken_ms: NumberMin0 | UnsetType | None = UNSET
    ttfb_ms: NumberMin0 | UnsetType | None = UNSET
    cache_result: CacheResultEnum | UnsetType | None = UNSET
    cache_detail: StrMax64 | UnsetType | None = UNSET
    user_agent: StrMax2048 | UnsetType | None = UNSET
    referer: StrMax4096 | UnsetType | None = UNSET
    content_type: StrMax256 | UnsetType | None = UNSET
    range_header: StrMax256 | UnsetType | None = UNSET
    range_start: Int64Min0 | UnsetType | None = UNSET
    range_end: Int64Min0 | UnsetType | None = UNSET
    cmcd: Cmcd | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        v = self.request_at
        if not _DATE_TIME(v):
            raise FormatViolation(".request_at", "date-time", v)


class CmcdReport(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """cmcd_report.v1: CMCD report."""

    schema_version: SchemaVersionStr
    report_mode: ReportModeEnum
    transmission: TransmissionEnum
    received_at: str
    report_ts_ms: Int64Min0 | UnsetType | None = UNSET
    client_ip: StrMax64 | UnsetType | None = UNSET
    user_agent: StrMax1024 | UnsetType | None = UNSET
    cmcd: Cmcd

    def __post_init__(self) -> None:
        v = self.received_at
        if not _DATE_TIME(v):
            raise FormatViolation(".received_at", "date-time", v)


class DeadLetter(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """dead_letter.v1: Dead letter."""

    schema_version: SchemaVersionStr
    source: StrMin1
    stage: StageEnum
    contract: str | UnsetType | None = UNSET
    error_class: StrMin1
    error_message: str
    raw_payload: str
    attributes: dict[str, Any] | UnsetType | None = UNSET
    message_id: str | UnsetType | None = UNSET
    received_at: str

    def __post_init__(self) -> None:
        v = self.received_at
        if not _DATE_TIME(v):
            raise FormatViolation(".received_at", "date-time", v)


class PlayerEventRendition(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """`rendition` of PlayerEvent."""

    width: Int64Min0 | UnsetType | None = UNSET
    height: Int64Min0 | UnsetType | None = UNSET
    codec: StrMax64 | UnsetType | None = UNSET
    fps: NumberMin0 | UnsetType | None = UNSET


class PlayerEvent(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """player_event.v1: Player event (StreamQoE beacon)."""

    schema_version: SchemaVersionStr
    view_id: StrMin1Max128
    viewer_id: StrMin1Max128
    session_id: StrMin1Max128
    content_id: StrMin1Max128
    content_title: StrMax512 | UnsetType | None = UNSET
    stream_type: StreamTypeEnum
    event_type: EventTypeEnum
    client_ts_ms: Int64Min0
    sequence_number: Int64Min0
    playhead_ms: Int64Min0 | UnsetType | None = UNSET
    buffer_length_ms: Int64Min0 | UnsetType | None = UNSET
    bitrate_kbps: Int64Min0 | UnsetType | None = UNSET
    rendition: PlayerEventRendition | UnsetType | None = UNSET
    throughput_kbps: Int64Min0 | UnsetType | None = UNSET
    dropped_frames: Int64Min0 | UnsetType | None = UNSET
    decoded_frames: Int64Min0 | UnsetType | None = UNSET
    playback_rate: NumberMin0 | UnsetType | None = UNSET
    live_latency_ms: Int64 | UnsetType | None = UNSET
    startup_ms: Int64Min0 | UnsetType | None = UNSET
    error_fatal: bool | UnsetType | None = UNSET
    error_code: StrMax128 | UnsetType | None = UNSET
    error_message: StrMax2048 | UnsetType | None = UNSET
    player_name: StrMax64 | UnsetType | None = UNSET
    player_version: StrMax64 | UnsetType | None = UNSET
    device_type: DeviceTypeEnum | UnsetType | None = UNSET
    device_model: StrMax128 | UnsetType | None = UNSET
    os_name: StrMax64 | UnsetType | None = UNSET
    os_version: StrMax64 | UnsetType | None = UNSET
    browser_name: StrMax64 | UnsetType | None = UNSET
    browser_version: StrMax64 | UnsetType | None = UNSET
    app_name: StrMax128 | UnsetType | None = UNSET
    app_version: StrMax64 | UnsetType | None = UNSET
    cdn: StrMax64 | UnsetType | None = UNSET
    country: ClientCountryStr | UnsetType | None = UNSET
    asn: Int64Min0 | UnsetType | None = UNSET
    isp: StrMax128 | UnsetType | None = UNSET


class QoeMinute(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """qoe_minute.v1: QoE per minute."""

    schema_version: SchemaVersionStr
    window_start: str
    window_end: str
    dimension: DimensionEnum
    dimension_value: StrMax128
    concurrent_plays: Int64Min0
    play_attempts: Int64Min0
    video_starts: Int64Min0
    startup_time_p50_ms: NumberMin0 | UnsetType | None = UNSET
    startup_time_p95_ms: NumberMin0 | UnsetType | None = UNSET
    playing_time_ms: Int64Min0
    rebuffer_duration_ms: Int64Min0
    rebuffer_count: Int64Min0
    rebuffer_ratio: NumberMin0Max1 | UnsetType | None = UNSET
    video_start_failures: Int64Min0
    video_playback_failures: Int64Min0
    exits_before_video_start: Int64Min0
    video_start_failure_rate: NumberMin0Max1 | UnsetType | None = UNSET
    is_final: bool
    version: Int64Min0
    updated_at: str

    def __post_init__(self) -> None:
        v = self.window_start
        if not _DATE_TIME(v):
            raise FormatViolation(".window_start", "date-time", v)
        v = self.window_end
        if not _DATE_TIME(v):
            raise FormatViolation(".window_end", "date-time", v)
        v = self.updated_at
        if not _DATE_TIME(v):
            raise FormatViolation(".updated_at", "date-time", v)


class TranscodeEventInput(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """`input` of TranscodeEvent."""

    uri: StrMax2048 | UnsetType | None = UNSET
    duration_ms: Int64Min0 | UnsetType | None = UNSET
    width: Int64Min0 | UnsetType | None = UNSET
    height: Int64Min0 | UnsetType | None = UNSET
    codec: StrMax64 | UnsetType | None = UNSET
    frame_rate: NumberMin0 | UnsetType | None = UNSET
    bitrate_kbps: Int64Min0 | UnsetType | None = UNSET


class TranscodeEventOutputsItem(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """`outputs[]` of TranscodeEvent."""

    name: StrMax256 | UnsetType | None = UNSET
    uri: StrMax2048 | UnsetType | None = UNSET
    width: Int64Min0 | UnsetType | None = UNSET
    height: Int64Min0 | UnsetType | None = UNSET
    bitrate_kbps: Int64Min0 | UnsetType | None = UNSET
    codec: StrMax64 | UnsetType | None = UNSET
    duration_ms: Int64Min0 | UnsetType | None = UNSET


class TranscodeEvent(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """transcode_event.v1: Transcode job event."""

    schema_version: SchemaVersionStr
    provider: ProviderEnum
    event_id: StrMax256 | UnsetType | None = UNSET
    job_id: StrMin1Max512
    state: StateEnum
    provider_state: StrMax64 | UnsetType | None = UNSET
    event_at: str
    submitted_at: str | UnsetType | None = UNSET
    started_at: str | UnsetType | None = UNSET
    finished_at: str | UnsetType | None = UNSET
    progress_percent: NumberMin0Max100 | UnsetType | None = UNSET
    content_id: StrMax128 | UnsetType | None = UNSET
    queue: StrMax512 | UnsetType | None = UNSET
    region: StrMax64 | UnsetType | None = UNSET
    account: StrMax128 | UnsetType | None = UNSET
    input: TranscodeEventInput | UnsetType | None = UNSET
    outputs: list[TranscodeEventOutputsItem] | UnsetType = UNSET
    error_code: StrMax64 | UnsetType | None = UNSET
    error_message: StrMax4096 | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        v = self.event_at
        if not _DATE_TIME(v):
            raise FormatViolation(".event_at", "date-time", v)
        v = self.submitted_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".submitted_at", "date-time", v)
        v = self.started_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".started_at", "date-time", v)
        v = self.finished_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".finished_at", "date-time", v)


class TranscodeJobOutputsItem(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """`outputs[]` of TranscodeJob."""

    name: str | UnsetType | None = UNSET
    width: Int64Min0 | UnsetType | None = UNSET
    height: Int64Min0 | UnsetType | None = UNSET
    bitrate_kbps: Int64Min0 | UnsetType | None = UNSET
    codec: str | UnsetType | None = UNSET
    duration_ms: Int64Min0 | UnsetType | None = UNSET


class TranscodeJob(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """transcode_job.v1: Transcode job."""

    schema_version: SchemaVersionStr
    provider: ProviderEnum
    job_id: StrMin1
    state: str
    content_id: str | UnsetType | None = UNSET
    queue: str | UnsetType | None = UNSET
    region: str | UnsetType | None = UNSET
    first_event_at: str
    last_event_at: str
    submitted_at: str | UnsetType | None = UNSET
    started_at: str | UnsetType | None = UNSET
    finished_at: str | UnsetType | None = UNSET
    queue_time_ms: Int64Min0 | UnsetType | None = UNSET
    processing_time_ms: Int64Min0 | UnsetType | None = UNSET
    input_duration_ms: Int64Min0 | UnsetType | None = UNSET
    realtime_factor: NumberMin0 | UnsetType | None = UNSET
    output_count: Int64Min0 | UnsetType | None = UNSET
    outputs: list[TranscodeJobOutputsItem] | UnsetType = UNSET
    error_code: str | UnsetType | None = UNSET
    error_message: str | UnsetType | None = UNSET
    event_count: Int64Min1
    version: Int64Min0
    updated_at: str

    def __post_init__(self) -> None:
        v = self.first_event_at
        if not _DATE_TIME(v):
            raise FormatViolation(".first_event_at", "date-time", v)
        v = self.last_event_at
        if not _DATE_TIME(v):
            raise FormatViolation(".last_event_at", "date-time", v)
        v = self.submitted_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".submitted_at", "date-time", v)
        v = self.started_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".started_at", "date-time", v)
        v = self.finished_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".finished_at", "date-time", v)
        v = self.updated_at
        if not _DATE_TIME(v):
            raise FormatViolation(".updated_at", "date-time", v)


class ViewTimePerRenditionItem(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """`time_per_rendition[]` of View."""

    bitrate_kbps: Int64Min0
    height: Int64Min0 | UnsetType | None = UNSET
    playing_time_ms: Int64Min0


class View(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """view.v1: View with its QoE figures."""

    schema_version: SchemaVersionStr
    view_id: StrMin1Max128
    source: SourceEnum
    session_id: StrMax128 | UnsetType | None = UNSET
    viewer_id: StrMax128 | UnsetType | None = UNSET
    content_id: StrMax128 | UnsetType | None = UNSET
    content_title: StrMax512 | UnsetType | None = UNSET
    stream_type: StreamTypeEnum | UnsetType | None = UNSET
    started_at: str
    first_frame_at: str | UnsetType | None = UNSET
    ended_at: str | UnsetType | None = UNSET
    last_event_at: str
    close_reason: CloseReasonEnum | UnsetType | None = UNSET
    event_count: Int64Min0
    video_startup_time_ms: Int64Min0 | None
    rebuffer_count: Int64Min0
    rebuffer_duration_ms: Int64Min0
    seek_count: Int64Min0 | UnsetType | None = UNSET
    seek_buffering_duration_ms: Int64Min0 | UnsetType | None = UNSET
    rebuffer_ratio: NumberMin0Max1 | UnsetType | None = UNSET
    playing_time_ms: Int64Min0
    avg_bitrate_kbps: NumberMin0 | UnsetType | None = UNSET
    bitrate_switch_count: Int64Min0
    bitrate_switch_up_count: Int64Min0 | UnsetType | None = UNSET
    bitrate_switch_down_count: Int64Min0 | UnsetType | None = UNSET
    time_per_rendition: list[ViewTimePerRenditionItem] | UnsetType = UNSET
    dropped_frame_ratio: NumberMin0Max1 | UnsetType | None = UNSET
    exit_before_video_start: bool
    video_start_failure: bool
    video_playback_failure: bool
    error_code: StrMax128 | UnsetType | None = UNSET
    startup_score: NumberMin0Max100 | UnsetType | None = UNSET
    smoothness_score: NumberMin0Max100 | UnsetType | None = UNSET
    quality_score: NumberMin0Max100 | UnsetType | None = UNSET
    cdn: StrMax64 | UnsetType | None = UNSET
    pop: StrMax64 | UnsetType | None = UNSET
    country: StrMax2 | UnsetType | None = UNSET
    asn: Int64Min0 | UnsetType | None = UNSET
    isp: StrMax128 | UnsetType | None = UNSET
    device_type: StrMax32 | UnsetType | None = UNSET
    os_name: StrMax64 | UnsetType | None = UNSET
    browser_name: StrMax64 | UnsetType | None = UNSET
    player_name: StrMax64 | UnsetType | None = UNSET
    player_version: StrMax64 | UnsetType | None = UNSET
    app_name: StrMax128 | UnsetType | None = UNSET
    is_final: bool
    version: Int64Min0
    updated_at: str

    def __post_init__(self) -> None:
        v = self.started_at
        if not _DATE_TIME(v):
            raise FormatViolation(".started_at", "date-time", v)
        v = self.first_frame_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".first_frame_at", "date-time", v)
        v = self.ended_at
        if v is not UNSET and not _DATE_TIME(v):
            raise FormatViolation(".ended_at", "date-time", v)
        v = self.last_event_at
        if not _DATE_TIME(v):
            raise FormatViolation(".last_event_at", "date-time", v)
        v = self.updated_at
        if not _DATE_TIME(v):
            raise FormatViolation(".updated_at", "date-time", v)


class ViewerSession(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """viewer_session.v1: Viewer session."""

    schema_version: SchemaVersionStr
    viewer_session_id: StrMin1
    viewer_id: StrMin1
    started_at: str
    ended_at: str
    view_count: Int64Min1
    video_start_count: Int64Min0
    playing_time_ms: Int64Min0
    rebuffer_duration_ms: Int64Min0
    rebuffer_count: Int64Min0 | UnsetType | None = UNSET
    failure_count: Int64Min0
    exit_before_video_start_count: Int64Min0 | UnsetType | None = UNSET
    content_count: Int64Min0 | UnsetType | None = UNSET
    is_final: bool
    version: Int64Min0
    updated_at: str

    def __post_init__(self) -> None:
        v = self.started_at
        if not _DATE_TIME(v):
            raise FormatViolation(".started_at", "date-time", v)
        v = self.ended_at
        if not _DATE_TIME(v):
            raise FormatViolation(".ended_at", "date-time", v)
        v = self.updated_at
        if not _DATE_TIME(v):
            raise FormatViolation(".updated_at", "date-time", v)


STRUCTS: dict[str, type[Struct]] = {
    "cdn_pop_minute": CdnPopMinute,
    "cdn_request": CdnRequest,
    "cmcd": Cmcd,
    "cmcd_report": CmcdReport,
    "dead_letter": DeadLetter,
    "player_event": PlayerEvent,
    "qoe_minute": QoeMinute,
    "transcode_event": TranscodeEvent,
    "transcode_job": TranscodeJob,
    "view": View,
    "viewer_session": ViewerSession,
}
"""Contract name -> the Struct its records decode into."""
