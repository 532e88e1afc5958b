"""The one way a request is refused: `Rejection`, turned into a JSON 4xx/5xx by collector.app.

Left out: the response shape of each endpoint (collector.app; Firehose has its own).
"""

from __future__ import annotations


class Rejection(Exception):
    """Refuse the request as a whole.

    Args:
        status: the HTTP status (4xx, or 503 when publishing failed).
        error_class: machine-readable reason, e.g. `BodyTooLarge`.
        message: a short human-readable reason (never a traceback).
        headers: extra response headers (Retry-After).
    """

    def __init__(
        self, status: int, error_class: str, message: str, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error_class = error_class
        self.message = message
        self.headers = headers or {}
