"""The load generator: a separate process posting prepared requests at a fixed concurrency.

    python -m bench.loadgen --url http://127.0.0.1:PORT/api/v1/voices --requests FILE.jsonl \
        --concurrency 8 --warmup 200 --max-seconds 300 --out RESULT.json

``FILE.jsonl`` holds one ``{"headers": {...}, "body": "..."}`` a line; the first ``--warmup``
lines warm the server up and are not measured. One ``httpx.AsyncClient`` on one event loop
keeps ``--concurrency`` keep-alive connections busy; every request is timed from send to the
end of the response body. The run stops when the requests are used up or ``--max-seconds``
have passed, whichever is first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path

import httpx


async def _drive(
    client: httpx.AsyncClient, url: str, items: list[dict], concurrency: int, max_seconds: float
) -> dict:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    samples: list[str] = []
    queue = iter(items)
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        for item in queue:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            try:
                resp = await client.post(url, content=item["body"], headers=item["headers"])
                status = str(resp.status_code)
                if resp.status_code >= 400 and len(samples) < 5:
                    samples.append(f"{status} {resp.text[:300]}")
            except httpx.HTTPError as exc:
                status = f"error:{type(exc).__name__}"
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1

    started = time.perf_counter()
    cpu0 = os.times()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu1 = os.times()
    return {
        "sent": len(latencies),
        "elapsed_s": elapsed,
        "latencies_ms": latencies,
        "statuses": dict(statuses),
        "error_samples": samples,
        "client_cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "stopped_by_time": len(latencies) < len(items),
    }


async def run(
    url: str, items: list[dict], concurrency: int, warmup: int, max_seconds: float
) -> dict:
    """Warm up with the first ``warmup`` items, then measure the rest."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as client:
        if warmup:
            await _drive(client, url, items[:warmup], concurrency, max_seconds)
        return await _drive(client, url, items[warmup:], concurrency, max_seconds)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1:", "http://localhost:")):
        parser.error("the load generator only talks to 127.0.0.1")
    with args.requests.open(encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh]
    for item in items:
        item["body"] = item["body"].encode()
    result = asyncio.run(run(args.url, items, args.concurrency, args.warmup, args.max_seconds))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
