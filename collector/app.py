"""The collector's HTTP layer: thin Starlette handlers over collector.units and the sink.

Each handler checks who is sending (collector.auth), reads the body within the limits
(collector.limits), hands it to collector.units, then `_deliver` publishes the records to their
topic and the dead letters to its dead-letter topic and answers once Pub/Sub acknowledged them
all: 2xx with counts, 400 when nothing was accepted (player endpoints; the hooks answer 200
because redelivering a dead-lettered unit cannot fix it), 503 with Retry-After when publishing
failed. A request refused as a whole (`Rejection`) gets a JSON 4xx with a short reason and is not
published. Nothing here parses a format.

Left out: serving (collector.server) and configuration (collector.settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collector import limits, units
from collector.auth import (
    KEY_HEADER,
    KEY_QUERY_ARGUMENT,
    PushVerifier,
    RateLimiter,
    check_shared_secret,
    fetch_certs,
    property_for_key,
)
from collector.errors import Rejection
from collector.metrics import CONTENT_TYPE, Metrics
from collector.publishing import Message, PublishUnavailable, PubSubSink
from collector.settings import Settings
from streamqoe.dead_letters import format_received_at
from streamqoe.ingest.outcome import DeadLetter, Record
from streamqoe.ingest.privacy import truncate_ip
from streamqoe.pubsub.declaration import load_declaration

logger = logging.getLogger(__name__)

SOURCE = "collector"
BEACON_TYPES = frozenset({"application/json", "text/plain", ""})
CMCD_TYPES = {
    "application/cmcd": "application/cmcd",
    "text/cmcd": "application/cmcd",
    "text/plain": "application/cmcd",
    "application/json": "application/json",
}
JSON_TYPES = frozenset({"application/json", ""})
CONTRACTS = {
    "beacon": "player_event",
    "cmcd": "cmcd_report",
    "eventbridge": "transcode_event",
    "pubsub": "transcode_event",
    "firehose": "cdn_request",
}


def _content_type(unit: units.Unit) -> str:
    if unit.format == "cloudfront-realtime":
        return "text/plain"
    if unit.format == "cmcd" and unit.payload[:1] not in (b"{", b"["):
        return "application/cmcd"
    return "application/json"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Collector:
    """The service: settings, the Pub/Sub sink, rate limiter, metrics; `app` is the ASGI app."""

    def __init__(self, settings: Settings, sink: PubSubSink | None = None):
        self.settings = settings
        self.metrics = Metrics()
        self.sink = sink or PubSubSink(
            settings.project,
            deadline_seconds=settings.publish_deadline_seconds,
            observe=lambda topic, s: self.metrics.publish_latency.labels(topic).observe(s),
        )
        self.limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
        self.push = PushVerifier(settings, fetch_certs)
        declaration = load_declaration()
        self.topics = {}
        for name, contract in CONTRACTS.items():
            topic = declaration.topic_for_contract(contract)
            self.topics[name] = (topic.name, topic.dead_letter_topic)
        routes = [
            Route("/v1/beacon", self._handler("beacon", self.beacon), methods=["POST"]),
            Route("/v1/cmcd", self._handler("cmcd", self.cmcd), methods=["GET", "POST"]),
            Route(
                "/v1/hooks/eventbridge",
                self._handler("eventbridge", self.eventbridge),
                methods=["POST"],
            ),
            Route("/v1/hooks/pubsub", self._handler("pubsub", self.pubsub), methods=["POST"]),
            Route("/v1/hooks/firehose", self._handler("firehose", self.firehose), methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.render_metrics, methods=["GET"]),
        ]
        cors = Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=[
                "content-type",
                "content-encoding",
                KEY_HEADER,
                "cmcd-object",
                "cmcd-request",
                "cmcd-session",
                "cmcd-status",
            ],
            max_age=86400,
        )
        self.app = Starlette(routes=routes, middleware=[cors], lifespan=self._lifespan)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        open_endpoints = self.settings.open_endpoints()
        if open_endpoints:
            logger.warning("accepting unauthenticated requests on %s", ", ".join(open_endpoints))
        yield
        await asyncio.to_thread(self.sink.close)

    # --- the request cycle ---------------------------------------------------------------

    def _handler(
        self, endpoint: str, handle: Callable[[Request, units.Request], Awaitable[Response]]
    ):
        async def run(request: Request) -> Response:
            started = time.perf_counter()
            try:
                self._check_headers(request)
                req = units.Request(
                    source=f"{SOURCE}:{request.url.path}",
                    received_at=datetime.now(UTC),
                    client_ip=self._client_ip(request),
                    user_agent=request.headers.get("user-agent"),
                )
                response = await handle(request, req)
            except Rejection as exc:
                self.metrics.rejected.labels(endpoint, exc.error_class).inc()
                response = self._refusal(endpoint, request, exc)
            except ClientDisconnect:
                response = Response(status_code=499)
            self.metrics.requests.labels(endpoint, str(response.status_code)).inc()
            self.metrics.request_latency.labels(endpoint).observe(time.perf_counter() - started)
            return response

        return run

    def _refusal(self, endpoint: str, request: Request, exc: Rejection) -> Response:
        if endpoint == "firehose":
            body = self._firehose_body(request)
            body["errorMessage"] = f"{exc.error_class}: {exc.message}"
        else:
            body = {"error": {"class": exc.error_class, "message": exc.message}}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @staticmethod
    def _check_headers(request: Request) -> None:
        size = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        if size > limits.MAX_HEADER_BYTES:
            raise Rejection(
                431, "HeadersTooLarge", f"request headers over {limits.MAX_HEADER_BYTES} bytes"
            )

    def _client_ip(self, request: Request) -> str | None:
        host = request.client.host if request.client else None
        return truncate_ip(host) if self.settings.client_ip == "truncate" else None

    def _check_player(self, request: Request) -> str | None:
        """Authenticate a player request and spend its rate; return its property."""
        key = request.headers.get(KEY_HEADER) or request.query_params.get(KEY_QUERY_ARGUMENT)
        prop = property_for_key(self.settings, key)
        host = request.client.host if request.client else "unknown"
        self.limiter.take(f"property:{prop}" if prop else f"ip:{truncate_ip(host) or host}")
        return prop

    async def _body(
        self,
        request: Request,
        max_bytes: int = limits.MAX_BODY_BYTES,
        max_decoded: int = limits.MAX_DECODED_BODY_BYTES,
    ) -> bytes:
        """Read the body within `max_bytes`, gunzipped within `max_decoded`."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise Rejection(413, "BodyTooLarge", f"body over {max_bytes} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise Rejection(413, "BodyTooLarge", f"body over {max_bytes} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        self.metrics.request_bytes.labels(request.url.path.rsplit("/", 1)[-1]).inc(size)
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding == "gzip":
            return units.gunzip(body, max_decoded)
        if encoding not in ("identity", ""):
            raise Rejection(
                415, "UnsupportedEncoding", f"Content-Encoding {encoding!r}; use gzip or none"
            )
        return body

    async def _deliver(
        self, endpoint: str, found: list[units.Unit], req: units.Request, extra: dict[str, str]
    ) -> dict[str, Any]:
        """Publish the records and dead letters; return the response counts.

        Raises:
            Rejection: 503 with Retry-After when Pub/Sub did not acknowledge them all.
        """
        topic, dlq = self.topics[endpoint]
        received = format_received_at(req.received_at)
        messages, errors = [], []
        for index, unit in enumerate(found):
            if isinstance(unit.outcome, Record):
                attrs = {
                    "schema_version": str(unit.outcome.record.get("schema_version", "1.0")),
                    "source": SOURCE,
                    "format": unit.format,
                    "content_type": _content_type(unit),
                    "received_at": received,
                    **extra,
                }
                messages.append(Message(topic, unit.payload, attrs, unit.ordering_key))
            else:
                letter = unit.outcome.letter
                attrs = {
                    "schema_version": letter["schema_version"],
                    "source": SOURCE,
                    "format": "dead_letter",
                    "content_type": "application/json",
                    "received_at": received,
                    "error_class": letter["error_class"],
                    "stage": letter["stage"],
                    **extra,
                }
                messages.append(Message(dlq, units._dumps(letter), attrs))
                if len(errors) < limits.MAX_ERRORS_SHOWN:
                    element = (letter.get("attributes") or {}).get("element_index", index)
                    errors.append(
                        {
                            "index": element,
                            "stage": letter["stage"],
                            "error_class": letter["error_class"],
                            "message": letter["error_message"],
                        }
                    )
        try:
            await self.sink.publish(messages)
        except PublishUnavailable as exc:
            raise Rejection(
                503,
                "PublishUnavailable",
                f"Pub/Sub did not acknowledge: {exc}",
                {"Retry-After": str(limits.RETRY_AFTER_SECONDS)},
            ) from None
        accepted = sum(1 for u in found if isinstance(u.outcome, Record))
        dead = len(found) - accepted
        self.metrics.published.labels(endpoint, topic).inc(accepted)
        for unit in found:
            if isinstance(unit.outcome, DeadLetter):
                self.metrics.dead_lettered.labels(endpoint, unit.outcome.error_class).inc()
        return {"accepted": accepted, "dead_lettered": dead, "errors": errors}

    def _answer(self, counts: dict[str, Any], player: bool) -> JSONResponse:
        if player and counts["accepted"] == 0 and counts["dead_lettered"]:
            first = counts["errors"][0]
            body = {"error": {"class": first["error_class"], "message": first["message"]}, **counts}
            return JSONResponse(body, status_code=400)
        return JSONResponse(counts)

    # --- endpoints -----------------------------------------------------------------------

    async def beacon(self, request: Request, req: units.Request) -> Response:
        prop = self._check_player(request)
        if _media_type(request) not in BEACON_TYPES:
            raise Rejection(415, "UnsupportedMediaType", "send application/json or text/plain")
        body = await self._body(request)
        found = units.beacon_units(body, req)
        return self._answer(await self._deliver("beacon", found, req, self._extra(prop, req)), True)

    async def cmcd(self, request: Request, req: units.Request) -> Response:
        prop = self._check_player(request)
        if request.method == "POST":
            media = _media_type(request)
            if media not in CMCD_TYPES:
                raise Rejection(
                    415,
                    "UnsupportedMediaType",
                    "send application/cmcd, text/cmcd or application/json",
                )
            body = await self._body(request)
            found = units.cmcd_body_units(body, CMCD_TYPES[media], req)
        else:
            member = units.cmcd_query_argument(request.url.query)
            headers = units.cmcd_headers(request.headers)
            if member is not None:
                found = units.cmcd_query_units(member, req)
            elif headers:
                found = units.cmcd_header_units(headers, req)
            else:
                raise Rejection(400, "NoCmcdData", "send a CMCD= query argument or CMCD-* headers")
        return self._answer(await self._deliver("cmcd", found, req, self._extra(prop, req)), True)

    async def eventbridge(self, request: Request, req: units.Request) -> Response:
        s = self.settings
        check_shared_secret(
            s.eventbridge_secret, request.headers.get(s.eventbridge_header), s.eventbridge_header
        )
        self._require_json(request)
        body = await self._body(request)
        found = units.eventbridge_units(body, req)
        return self._answer(await self._deliver("eventbridge", found, req, {}), False)

    async def pubsub(self, request: Request, req: units.Request) -> Response:
        await asyncio.to_thread(
            self.push.verify,
            request.query_params.get("token"),
            request.headers.get("authorization"),
        )
        self._require_json(request)
        body = await self._body(request)
        found = units.transcoder_units(body, req)
        return self._answer(await self._deliver("pubsub", found, req, {}), False)

    async def firehose(self, request: Request, req: units.Request) -> Response:
        check_shared_secret(
            self.settings.firehose_access_key,
            request.headers.get("x-amz-firehose-access-key"),
            "X-Amz-Firehose-Access-Key",
        )
        self._require_json(request)
        body = await self._body(
            request, limits.MAX_FIREHOSE_BODY_BYTES, limits.MAX_FIREHOSE_DECODED_BODY_BYTES
        )
        found = units.firehose_units(body, req)
        counts = await self._deliver("firehose", found, req, {})
        logger.debug("firehose delivery: %s", counts)
        return JSONResponse(self._firehose_body(request, body))

    @staticmethod
    def _firehose_body(request: Request, body: bytes | None = None) -> dict[str, Any]:
        """Firehose's required response: the request's requestId and a timestamp (epoch ms)."""
        request_id = request.headers.get("x-amz-firehose-request-id")
        if request_id is None and body:
            try:
                request_id = json.loads(body).get("requestId")
            except (ValueError, AttributeError):
                request_id = None
        return {"requestId": request_id or "", "timestamp": int(time.time() * 1000)}

    @staticmethod
    def _require_json(request: Request) -> None:
        if _media_type(request) not in JSON_TYPES:
            raise Rejection(415, "UnsupportedMediaType", "send application/json")

    def _extra(self, prop: str | None, req: units.Request) -> dict[str, str]:
        extra = {"property": prop} if prop else {}
        if req.client_ip:
            extra["client_ip"] = req.client_ip
        return extra

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        topic, _ = self.topics["beacon"]
        try:
            await asyncio.to_thread(
                self.sink.client.get_topic, topic=self.sink.topic_path(topic), timeout=2.0
            )
        except Exception as exc:  # not ready, whatever the reason; say which
            return JSONResponse(
                {"status": "unavailable", "reason": f"{type(exc).__name__}"}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    async def render_metrics(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app from `settings` (default: the environment)."""
    return Collector(settings or Settings.from_env()).app
