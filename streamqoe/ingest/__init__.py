"""Real-world ingest formats parsed into StreamQoE's contracts, shared by collector and pipelines.

Pure Python, no Beam: each parser takes one input unit (bytes or str) and returns outcomes, each a
`Record` valid against its contract or a `DeadLetter` (schemas/dead_letter.v1.json) with the stage
and the reason. Parsers never raise. See docs/formats.md for every format, its source document and
its mapping.
"""

from streamqoe.ingest.akamai import parse_akamai_ds2
from streamqoe.ingest.beacon import parse_beacon
from streamqoe.ingest.cloudfront import (
    StandardLogParser,
    parse_cloudfront,
    parse_cloudfront_log,
    parse_cloudfront_realtime,
)
from streamqoe.ingest.cmcd import (
    decode_cmcd,
    encode_cmcd,
    parse_cmcd,
    parse_cmcd_body,
    parse_cmcd_headers,
    parse_cmcd_query,
)
from streamqoe.ingest.formats import FORMATS, detect_format, parse_units
from streamqoe.ingest.mediacdn import parse_mediacdn
from streamqoe.ingest.mediaconvert import parse_mediaconvert
from streamqoe.ingest.medialive import parse_medialive
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record
from streamqoe.ingest.privacy import truncate_ip
from streamqoe.ingest.transcoder import parse_transcoder

__all__ = [
    "FORMATS",
    "DeadLetter",
    "Outcome",
    "Record",
    "StandardLogParser",
    "decode_cmcd",
    "detect_format",
    "encode_cmcd",
    "parse_akamai_ds2",
    "parse_beacon",
    "parse_cloudfront",
    "parse_cloudfront_log",
    "parse_cloudfront_realtime",
    "parse_cmcd",
    "parse_cmcd_body",
    "parse_cmcd_headers",
    "parse_cmcd_query",
    "parse_mediacdn",
    "parse_mediaconvert",
    "parse_medialive",
    "parse_transcoder",
    "parse_units",
    "truncate_ip",
]
