"""Serve the collector with uvicorn (the ASGI server chosen in docs/collector.md).

Left out: finding a local emulator (app/collector_cli.py does, from the platform state).
"""

from __future__ import annotations

import logging

from collector.app import create_app
from collector.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, settings: Settings | None = None
) -> None:
    """Run the collector until interrupted (SIGINT/SIGTERM end it gracefully)."""
    import uvicorn

    settings = settings or Settings.from_env()
    logger.info("collector on http://%s:%d, project %s", host, port, settings.project)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        h11_max_incomplete_event_size=32 * 1024,
    )
