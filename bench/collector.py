"""Side by side: the collector's ASGI app under uvicorn and under granian (one worker each).

A Python load loop (threads with keep-alive httpx clients) sends GET /healthz and a refused
POST /v1/beacon (415: the full request path through the handler, without Pub/Sub) to each
server in turn, in rounds, so a busy spell on the shared machine hits both alike. Run with

    uv run --with starlette==1.10.0 --with uvicorn==0.54.0 --with granian==2.8.7 \
        --with prometheus-client==0.26.0 python -m bench.collector

Prints requests per second and p50/p99 latency per server and path. Not the wrk goals of #14.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

import httpx

from app.platform.process import free_port, port_open

SECONDS_PER_RUN = 3.0
THREADS = 4
ROUNDS = 2
SERVERS = {
    "uvicorn": lambda port: [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "collector.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ],
    "granian": lambda port: [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "collector.app:create_app",
    ],
}


def load(base: str, method: str, path: str) -> tuple[float, list[float]]:
    """Send requests from THREADS threads for SECONDS_PER_RUN; return (req/s, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS_PER_RUN

    def worker() -> None:
        mine = []
        with httpx.Client(base_url=base) as http:
            while time.monotonic() < stop:
                t = time.perf_counter()
                http.request(
                    method,
                    path,
                    content=b"{}" if method == "POST" else None,
                    headers={"content-type": "image/png"} if method == "POST" else None,
                )
                mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / SECONDS_PER_RUN, latencies


def main() -> int:
    env = {
        **os.environ,
        # Neither path publishes; an emulator address keeps the client from seeking credentials.
        "PUBSUB_EMULATOR_HOST": os.environ.get("PUBSUB_EMULATOR_HOST", "127.0.0.1:9"),
        "STREAMQOE_RATE_LIMIT_PER_SECOND": "1000000",
        "STREAMQOE_RATE_LIMIT_BURST": "1000000",
    }
    results: dict[tuple[str, str], list[tuple[float, list[float]]]] = {}
    for _ in range(ROUNDS):
        for name, command in SERVERS.items():
            port = free_port()
            proc = subprocess.Popen(command(port), env=env, start_new_session=True)
            try:
                deadline = time.monotonic() + 30
                while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
                    time.sleep(0.1)
                base = f"http://127.0.0.1:{port}"
                for method, path in (("GET", "/healthz"), ("POST", "/v1/beacon")):
                    results.setdefault((name, f"{method} {path}"), []).append(
                        load(base, method, path)
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    print(f"{'server':<8} {'request':<18} {'req/s (best)':>12} {'p50 ms':>7} {'p99 ms':>7}")
    for (name, what), runs in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rate, lat = max(runs, key=lambda r: r[0])
        q = statistics.quantiles(lat, n=100)
        print(f"{name:<8} {what:<18} {rate:>12,.0f} {q[49] * 1000:>7.2f} {q[98] * 1000:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
