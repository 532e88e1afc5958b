"""The collector's size, count and rate limits: named constants, each with its unit.

Every limit rejects the request as a whole with a 4xx and a short reason (docs/collector.md);
a limit is a transport rule, so a rejected body is not dead-lettered (the sender must split or
slow down). Rates can be tuned per deployment by environment (collector.settings).
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# Bodies as received (compressed or not), and after gzip decoding (a gzip bomb stops here).
MAX_BODY_BYTES = 1 * MIB
MAX_DECODED_BODY_BYTES = 4 * MIB
# Firehose buffers up to its configured size (1-64 MiB, default 5 MiB): configure <= this.
MAX_FIREHOSE_BODY_BYTES = 8 * MIB
MAX_FIREHOSE_DECODED_BODY_BYTES = 32 * MIB

# Units in one request: beacon events, CMCD JSON reports, EventBridge events, Firehose records.
MAX_BATCH_UNITS = 500
# Non-blank lines of an application/cmcd body.
MAX_BODY_LINES = 1000
# Brackets open at once in a JSON body (a deeply nested body never reaches the parser).
MAX_JSON_DEPTH = 32
# One CMCD-* header value, and all request headers together.
MAX_CMCD_HEADER_BYTES = 4 * KIB
MAX_HEADER_BYTES = 16 * KIB
# The `CMCD=` query argument of GET /v1/cmcd.
MAX_QUERY_BYTES = 8 * KIB

# Requests per second per write key's property (or per truncated client IP without keys).
RATE_LIMIT_REQUESTS_PER_SECOND = 50.0
RATE_LIMIT_BURST_REQUESTS = 100
# Rate buckets kept (least recently used dropped beyond it).
MAX_RATE_BUCKETS = 10_000

# Publishing: each message retried with backoff for at most this long, then the request is a 503.
PUBLISH_DEADLINE_SECONDS = 10.0
PUBLISH_RETRY_INITIAL_SECONDS = 0.1
PUBLISH_RETRY_MAX_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5
# Batching of google-cloud-pubsub's publisher.
BATCH_MAX_MESSAGES = 100
BATCH_MAX_BYTES = 1 * MIB
BATCH_MAX_LATENCY_SECONDS = 0.005

# Errors listed in a response body (the counts are always complete).
MAX_ERRORS_SHOWN = 10
