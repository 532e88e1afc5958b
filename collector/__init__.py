"""The collector: StreamQoE's HTTP front door for players and integrations.

An ASGI service (Starlette, served by uvicorn) that accepts what players and integrations send
(beacons, CMCD, EventBridge, Pub/Sub push, Firehose), validates every unit with the ingest parsers
of `streamqoe.ingest` (the same functions the pipelines run), publishes the units to the topics of
infra/pubsub.yaml and the dead letters to their dead-letter topics, and answers 2xx only once
Pub/Sub has acknowledged every message of the request. See docs/collector.md.

Left out: anything Beam (the collector image does not carry it) and the local platform (the
`streamqoe collector serve` command in app/collector_cli.py finds the emulator and passes it in).
"""
