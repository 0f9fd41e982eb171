"""Work per request, counted rather than timed: every Python and C function call the hub process makes while it
answers N requests (after a warm-up), on each path of the passthrough benchmark. A profiler hook on every thread
does the counting, so the figure does not depend on how busy the machine is (unlike requests/s); it is slow, so
it is a comparison tool, not a speed. Run: `python -m bench.call_count [--requests 200]`; in another checkout
(with this bench/ folder copied in) to compare two versions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.gateway_bench import PY, ROOT, SERVERS, free_port, prepare_database, wait_for, wait_for_port
from bench.native_bench import CLAUDE_DIRECT, PATHS, body_for, headers_for, prepared_env

# Run inside the hub process: count calls on every thread; SIGUSR1 starts over, SIGUSR2 writes the total.
COUNTING_HUB = """
import os, signal, sys, threading, time
calls = [0]
counting = [True]
def hook(frame, event, arg):
    if counting[0] and event in ("call", "c_call"):
        calls[0] += 1
def restart(*_):
    calls[0] = 0
def report(*_):
    counting[0] = False
    time.sleep(0.2)
    with open(os.environ["CALL_COUNT_OUT"], "w") as out:
        out.write(str(calls[0]))
signal.signal(signal.SIGUSR1, restart)
signal.signal(signal.SIGUSR2, report)
threading.setprofile(hook)
sys.setprofile(hook)
import uvicorn.main
sys.argv = ["uvicorn", *sys.argv[1:]]
uvicorn.main.main()
"""


async def _send(url: str, body: bytes, headers: dict[str, str], count: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url} answered {response.status}")


def count_path(index: int, requests: int, env: dict[str, str], key: str) -> float:
    """Calls per request on PATHS[index], in a fresh hub process."""
    hub_port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        script, out = Path(folder) / "hub.py", Path(folder) / "calls"
        script.write_text(COUNTING_HUB)
        argv = [a.replace("{port}", str(hub_port)) for a in SERVERS["uvicorn"]][2:]  # without "-m uvicorn"
        hub = subprocess.Popen(
            [PY, str(script), *argv], cwd=ROOT, env={**env, "CALL_COUNT_OUT": str(out)}, stdout=subprocess.DEVNULL
        )
        try:
            wait_for(f"http://127.0.0.1:{hub_port}/healthz", 120)
            _, path, _, model = PATHS[index]
            body, headers = json.dumps(body_for(path, model)).encode(), headers_for(path, key)
            url = f"http://127.0.0.1:{hub_port}{path}"
            asyncio.run(_send(url, body, headers, 50))  # warm-up: caches, connections, the catalog snapshot
            time.sleep(1)
            hub.send_signal(signal.SIGUSR1)
            time.sleep(0.5)
            asyncio.run(_send(url, body, headers, requests))
            time.sleep(1)
            hub.send_signal(signal.SIGUSR2)
            deadline = time.monotonic() + 30
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.3)
            return int(out.read_text()) / requests
        finally:
            hub.terminate()
            hub.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    upstream_port = free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    env = prepared_env(upstream_url)
    key = prepare_database(env)
    subprocess.run([PY, str(ROOT / "manage.py"), "shell", "-c", CLAUDE_DIRECT], env=env, check=True, cwd=ROOT)
    upstream = subprocess.Popen([PY, "-m", "bench.upstream_server", "--port", str(upstream_port)], cwd=ROOT, env=env)
    try:
        wait_for_port(upstream_port)
        print(f"function calls per request in the hub process ({args.requests} requests a path, after 50)")
        for index, (label, *_rest) in enumerate(PATHS):
            print(f"  {label:<40} {count_path(index, args.requests, env, key):8.0f}", flush=True)
    finally:
        upstream.terminate()
        upstream.wait(10)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
