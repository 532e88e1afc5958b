"""The registry of ingest formats: name -> parser, how a file of that format splits into units,
and detection of a file's format from its first bytes.

Format names are the CLI's `--format` values: beacon, cmcd, cloudfront, cloudfront-realtime,
mediacdn, akamai-ds2, mediaconvert, medialive, transcoder. `parse_units` is what a file reader or a
pipeline calls with (unit id, bytes) pairs; it keeps the state some formats need across units (a
CloudFront standard log's `#Fields` header) and otherwise calls the format's unit parser.

Left out: opening files (read.py) and deciding where outcomes go (the caller).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from streamqoe.ingest.akamai import parse_akamai_ds2
from streamqoe.ingest.beacon import parse_beacon
from streamqoe.ingest.cloudfront import (
    parse_cloudfront,
    parse_cloudfront_log,
    parse_cloudfront_realtime,
)
from streamqoe.ingest.cmcd import parse_cmcd
from streamqoe.ingest.mediacdn import parse_mediacdn
from streamqoe.ingest.mediaconvert import parse_mediaconvert
from streamqoe.ingest.medialive import parse_medialive
from streamqoe.ingest.outcome import Outcome
from streamqoe.ingest.transcoder import parse_transcoder

logger = logging.getLogger(__name__)

UnitKind = Literal["lines", "documents", "lines_or_documents"]
HEAD_BYTES = 65536


@dataclass(frozen=True, slots=True)
class Format:
    """One input format: its parser for a single unit, its contract and how files split.

    `units`: `lines` (every non-blank line), `documents` (the whole file, or one unit per line when
    it is JSON lines), `lines_or_documents` (documents when the file starts with `{` or `[`).
    """

    name: str
    contract: str
    parse: Callable[..., list[Outcome]]
    units: UnitKind
    description: str


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("beacon", "player_event", parse_beacon, "documents", "StreamQoE JSON beacon"),
        Format(
            "cmcd",
            "cmcd_report",
            parse_cmcd,
            "lines_or_documents",
            "CMCD query, headers or report body",
        ),
        Format("cloudfront", "cdn_request", parse_cloudfront, "lines", "CloudFront standard log"),
        Format(
            "cloudfront-realtime",
            "cdn_request",
            parse_cloudfront_realtime,
            "lines_or_documents",
            "CloudFront real-time log (TSV or Kinesis record JSON)",
        ),
        Format("mediacdn", "cdn_request", parse_mediacdn, "documents", "Media CDN LogEntry JSON"),
        Format(
            "akamai-ds2",
            "cdn_request",
            parse_akamai_ds2,
            "lines_or_documents",
            "Akamai DataStream 2 JSON lines",
        ),
        Format(
            "mediaconvert",
            "transcode_event",
            parse_mediaconvert,
            "documents",
            "MediaConvert EventBridge event",
        ),
        Format(
            "medialive", "transcode_event", parse_medialive, "documents", "MediaLive EventBridge"
        ),
        Format(
            "transcoder",
            "transcode_event",
            parse_transcoder,
            "documents",
            "Transcoder API notification",
        ),
    )
}


def format_names() -> list[str]:
    """List the format names, in registry order."""
    return list(FORMATS)


def get_format(name: str) -> Format:
    """Return a format by name.

    Raises:
        KeyError: unknown name, with the known names in the message.
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; known: {', '.join(FORMATS)}") from None


def parse_units(
    name: str,
    units: Iterable[tuple[str, bytes]],
    *,
    received_at: datetime,
    distribution: str | None = None,
) -> Iterator[Outcome]:
    """Parse (unit id, bytes) pairs of one file or stream in format `name`.

    The unit id becomes each dead letter's `source` and `message_id`. For `cloudfront` the units
    are the lines of one log, `#Fields` headers included, and `distribution` (from the log file
    name) fills the records' distribution.
    """
    fmt = get_format(name)
    if name == "cloudfront":
        yield from parse_cloudfront_log(units, received_at=received_at, distribution=distribution)
        return
    for unit_id, data in units:
        yield from fmt.parse(data, source=unit_id, received_at=received_at, message_id=unit_id)


_CF_DATE = re.compile(rb"^\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\t")
_EPOCH_TSV = re.compile(rb"^\d{9,10}\.\d{1,6}\t")
_CMCD_KEY = re.compile(rb"^(?:[a-z]{1,5}(?:=[^,]*)?,)*[a-z]{1,5}(?:=[^,]*)?$")


def _json_head(head: bytes) -> object | None:
    """Decode the first JSON value of `head` (a whole document or its first line), if any."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    for candidate in (text, text.split("\n", 1)[0]):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def detect_format(head: bytes) -> str | None:
    """Guess a file's format from its first bytes (already decompressed); None when unsure.

    Text markers are checked before JSON is decoded, so official samples that are not valid JSON
    (comments, trailing commas) are still routed to their parser, which then dead-letters them
    with the reason.
    """
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"#Version", b"#Fields")) or _CF_DATE.match(stripped):
        return "cloudfront"
    if _EPOCH_TSV.match(stripped):
        return "cloudfront-realtime"
    text = stripped[:HEAD_BYTES]
    if b'"aws.mediaconvert"' in text or b"MediaConvert Job State Change" in text:
        return "mediaconvert"
    if b'"aws.medialive"' in text or b'"MediaLive ' in text:
        return "medialive"
    if stripped.startswith((b"{", b"[")):
        if b'"httpRequest"' in text:
            return "mediacdn"
        if b'"reqTimeSec"' in text or b'"cliIP"' in text:
            return "akamai-ds2"
        if b'"kinesis"' in text or (b'"Records"' in text and b'"data"' in text):
            return "cloudfront-realtime"
        if b'"subscription"' in text or b'"publishTime"' in text or b'"jobs/' in text:
            return "transcoder"
        if b'"view_id"' in text and b'"event_type"' in text:
            return "beacon"
        doc = _json_head(text)
        first = doc[0] if isinstance(doc, list) and doc else doc
        if (
            isinstance(first, dict)
            and first
            and all(isinstance(k, str) and len(k) <= 6 for k in first)
        ):
            return "cmcd"
        return None
    first_line = text.split(b"\n", 1)[0].strip()
    if b"CMCD=" in first_line or first_line.lower().startswith(b"cmcd-"):
        return "cmcd"
    if b"=" in first_line and _CMCD_KEY.match(first_line):
        return "cmcd"
    return None
