"""A small closed-loop load generator: N concurrent clients for a fixed time; latencies and TTFT."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say something short."}]}


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    completed: int = 0  # every answered request, the warm-up's included (for CPU time per request)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def run_load(
    url: str,
    key: str,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Closed-loop load; each request's latency is to its last byte (so a stream counts when it has ended)."""
    headers = headers or {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    payload = json.dumps(body or BODY).encode()
    latencies: list[float] = []
    errors = completed = 0
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds

        async def worker() -> None:
            nonlocal errors, completed
            while True:
                began = time.perf_counter()
                if began >= stop_at:
                    return
                async with session.post(url, data=payload, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
                ended = time.perf_counter()
                completed += 1
                if began >= measure_from:
                    if ok:
                        latencies.append((ended - began) * 1000)
                    else:
                        errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(len(latencies), errors, seconds, latencies, completed)


async def time_to_first_token(
    url: str, key: str, count: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> list[float]:
    headers = headers or {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    payload = json.dumps({**(body or BODY), "stream": True}).encode()
    samples: list[float] = []
    async with aiohttp.ClientSession() as session:
        for index in range(count + 5):
            began = time.perf_counter()
            async with session.post(url, data=payload, headers=headers) as response:
                first = None
                async for line in response.content:
                    if first is None and b"Bench" in line:
                        first = time.perf_counter()
                if index >= 5 and first is not None:
                    samples.append((first - began) * 1000)
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
