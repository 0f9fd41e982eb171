#!/usr/bin/env python3
"""LLM Router client: a command line and a Python SDK for LLM Hub (or AIsa), standard library only.

SDK:  from llm_router_client import LLMRouterClient
      client = LLMRouterClient()                      # LLMHUB_API_KEY / LLMHUB_BASE_URL, else AISA_API_KEY
      client.chat(model="gpt-4.1", messages=[{"role": "user", "content": "Hello!"}])
CLI:  python3 llm_router_client.py chat --model gpt-4.1 --message "Hello, world!"
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import mimetypes
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

__version__ = "1.0"
AISA_BASE_URL = "https://api.aisa.one/v1"
LOCAL_HUB_URL = "http://127.0.0.1:8000/v1"

# Exit codes: one per kind of failure, so scripts can tell them apart.
EXIT_OK = 0
EXIT_ERROR = 1  # anything not listed below
EXIT_USAGE = 2  # bad arguments or input (also a 400/413 from the server); argparse uses 2 too
EXIT_AUTH = 3  # 401/403: missing, wrong, revoked or expired key
EXIT_CREDITS = 4  # 402: not enough credits
EXIT_NOT_FOUND = 5  # 404: unknown model (or endpoint)
EXIT_RATE_LIMIT = 6  # 429: rate limited (by the hub or the upstream)
EXIT_UPSTREAM = 7  # 5xx: the upstream or the server failed
EXIT_NETWORK = 8  # the server could not be reached

EXIT_CODES_HELP = """exit codes:
  0  success
  1  other error
  2  bad usage or input (bad arguments, unreadable file, invalid JSON, HTTP 400/413)
  3  authentication failed (HTTP 401/403: missing, invalid, revoked or expired key)
  4  insufficient credits (HTTP 402)
  5  not found (HTTP 404: unknown model)
  6  rate limited (HTTP 429)
  7  upstream or server error (HTTP 5xx)
  8  cannot reach the server (connection refused, DNS, timeout)

environment:
  LLMHUB_API_KEY, LLMHUB_BASE_URL   your hub key and its /v1 URL (default http://127.0.0.1:8000/v1)
  AISA_API_KEY                      used when no hub key is set, with https://api.aisa.one/v1
"""


class LLMRouterError(Exception):
    """An API or client error: `status` (HTTP status or None), `code` (machine code), `exit_code` for the CLI."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        request_id: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.request_id = request_id
        self.exit_code = exit_code if exit_code is not None else exit_code_for(status)

    def __str__(self) -> str:
        parts = [str(self.status)] if self.status else []
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        tail = f" (request {self.request_id})" if self.request_id else ""
        return f"{head}: {self.message}{tail}" if head else f"{self.message}{tail}"


def exit_code_for(status: int | None) -> int:
    if status in (401, 403):
        return EXIT_AUTH
    if status == 402:
        return EXIT_CREDITS
    if status == 404:
        return EXIT_NOT_FOUND
    if status == 429:
        return EXIT_RATE_LIMIT
    if status is not None and status >= 500:
        return EXIT_UPSTREAM
    if status in (400, 413, 422):
        return EXIT_USAGE
    return EXIT_ERROR


def _loads(raw: bytes | str) -> Any:
    # Money stays exact: numbers with a fraction (costs, credits) are read as Decimal, never float.
    return json.loads(raw, parse_float=Decimal)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)).encode()


def _error_from_http(exc: urllib.error.HTTPError) -> LLMRouterError:
    raw = exc.read()
    try:
        error = _loads(raw).get("error")
    except (ValueError, AttributeError):
        error = None
    request_id = exc.headers.get("x-request-id") if exc.headers else None
    if isinstance(error, dict):
        return LLMRouterError(
            str(error.get("message") or exc.reason),
            status=exc.code,
            code=str(error.get("code")) if error.get("code") is not None else None,
            type=error.get("type"),
            request_id=request_id,
        )
    snippet = raw.decode("utf-8", "replace").strip().splitlines()[0][:200] if raw.strip() else str(exc.reason)
    return LLMRouterError(snippet, status=exc.code, request_id=request_id)


def image_to_url(image: str) -> str:
    """An http(s)/data URL as is; a local file as a data: URL with its image mime type."""
    if image.startswith(("http://", "https://", "data:")):
        return image
    if not os.path.isfile(image):
        raise LLMRouterError(f"No image file at '{image}' (give a path or an http(s) URL).", exit_code=EXIT_USAGE)
    mime = mimetypes.guess_type(image)[0] or ""
    if not mime.startswith("image/"):
        raise LLMRouterError(f"'{image}' is not an image file (type {mime or 'unknown'}).", exit_code=EXIT_USAGE)
    with open(image, "rb") as handle:
        encoded = base64.b64encode(handle.read()).decode()
    return f"data:{mime};base64,{encoded}"


class LLMRouterClient:
    """The SDK. Every method raises LLMRouterError on failure."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None, timeout: float = 120.0) -> None:
        hub_key = os.environ.get("LLMHUB_API_KEY")
        aisa_key = os.environ.get("AISA_API_KEY")
        self.api_key = api_key or hub_key or aisa_key or ""
        default_url = AISA_BASE_URL if (not api_key and not hub_key and aisa_key) else LOCAL_HUB_URL
        self.base_url = (base_url or os.environ.get("LLMHUB_BASE_URL") or default_url).rstrip("/")
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}  # headers of the last response (x-request-id, x-llmhub-*)

    # --- transport ----------------------------------------------------------------------------
    def _open(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        if not self.api_key:
            raise LLMRouterError(
                "No API key: pass --api-key or set LLMHUB_API_KEY (or AISA_API_KEY).", exit_code=EXIT_USAGE
            )
        request = urllib.request.Request(
            self.base_url + path,
            data=_dumps(body) if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"llm-router-client/{__version__}",
                **(headers or {}),
            },
        )
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise _error_from_http(exc) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LLMRouterError(f"Cannot reach {self.base_url}: {reason}", exit_code=EXIT_NETWORK) from None
        self.last_headers = {k.lower(): v for k, v in response.headers.items()}
        return response

    def _json(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        with self._open(method, path, body, headers) as response:
            raw = response.read()
        try:
            return _loads(raw)
        except ValueError:
            raise LLMRouterError(f"The server sent invalid JSON from {path}.", exit_code=EXIT_UPSTREAM) from None

    # --- the SDK ------------------------------------------------------------------------------
    def chat(self, model: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """A chat completion (OpenAI shape, with usage.cost). Extra keyword arguments are API parameters."""
        headers = params.pop("headers", None)
        completion: dict[str, Any] = self._json(
            "POST", "/chat/completions", {"model": model, "messages": messages, **params}, headers
        )
        return completion

    def chat_stream(self, model: str, messages: list[dict[str, Any]], **params: Any) -> Iterator[str]:
        """Yield the answer's text pieces as they arrive. The final usage (with cost) lands in `last_usage`."""
        headers = params.pop("headers", None)
        body = {"model": model, "messages": messages, **params, "stream": True}
        body.setdefault("stream_options", {"include_usage": True})
        self.last_usage: dict[str, Any] | None = None
        with self._open("POST", "/chat/completions", body, {**(headers or {}), "Accept": "text/event-stream"}) as resp:
            yield from self._stream_text(resp)

    def _stream_text(self, resp: Any) -> Iterator[str]:
        lines = iter(resp)
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                return
            except (OSError, http.client.HTTPException) as exc:
                raise LLMRouterError(f"The stream broke off: {exc}", exit_code=EXIT_NETWORK) from None
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                chunk = _loads(data)
            except ValueError:
                raise LLMRouterError("The server sent a malformed stream event.", exit_code=EXIT_UPSTREAM) from None
            if isinstance(chunk.get("error"), dict):
                error = chunk["error"]
                raise LLMRouterError(
                    f"The stream failed: {error.get('message')}",
                    code=error.get("code"),
                    type=error.get("type"),
                    request_id=self.last_headers.get("x-request-id"),
                    exit_code=EXIT_RATE_LIMIT if error.get("type") == "rate_limit_error" else EXIT_UPSTREAM,
                )
            if chunk.get("usage"):
                self.last_usage = chunk["usage"]
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield text

    def vision(self, model: str, image_url: str, prompt: str, **params: Any) -> dict[str, Any]:
        """Ask about an image: an http(s) URL, a data: URL or a local file path (sent as a data: URL)."""
        content = [
            {"type": "text", "text": prompt},
            {"type": "image_url", "image_url": {"url": image_to_url(image_url)}},
        ]
        return self.chat(model, [{"role": "user", "content": content}], **params)

    def models(self) -> list[dict[str, Any]]:
        """The models the server offers (on LLM Hub with family, pricing per 1M tokens and capabilities)."""
        return list(self._json("GET", "/models").get("data") or [])

    def usage(self) -> dict[str, Any]:
        """Your spend this calendar month, by model (LLM Hub only: GET /v1/usage?period=month)."""
        usage: dict[str, Any] = self._json("GET", "/usage?period=month")
        return usage

    def compare_models(self, models: list[str], message: str, **params: Any) -> dict[str, dict[str, Any]]:
        """The same message to each model: {model: {"response", "latency", "cost", "usage"}}, or an "error" entry.

        Uses the hub's POST /v1/compare (one concurrent, separately metered call per model); against a server
        without it, calls the models concurrently from here.
        """
        try:
            body = self._json("POST", "/compare", {"models": list(models), "message": message, **params})
        except LLMRouterError as exc:
            if exc.status not in (404, 405):
                raise
            return self._compare_locally(list(models), message, params)
        return {entry["model"]: _compare_entry(entry) for entry in body.get("results") or []}

    def _compare_locally(self, models: list[str], message: str, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        def one(model: str) -> dict[str, Any]:
            started = time.monotonic()
            try:
                response = self.chat(model, [{"role": "user", "content": message}], **params)
            except LLMRouterError as exc:
                error = {"code": exc.code, "message": exc.message, "type": exc.type, "status": exc.status}
                return _compare_entry({"error": error, "latency": time.monotonic() - started})
            usage = response.get("usage") or {}
            choice = (response.get("choices") or [{}])[0]
            return _compare_entry(
                {
                    "response": (choice.get("message") or {}).get("content") or "",
                    "latency": time.monotonic() - started,
                    "usage": usage,
                    "cost": usage.get("cost"),
                }
            )

        with ThreadPoolExecutor(max_workers=max(1, len(models))) as pool:
            return dict(zip(models, pool.map(one, models), strict=True))


def _compare_entry(entry: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "response": entry.get("response") or "",
        "latency": float(entry.get("latency") or 0),
        "cost": entry.get("cost") if entry.get("cost") is not None else Decimal("0"),
        "usage": entry.get("usage") or {},
    }
    if entry.get("error"):
        result["error"] = entry["error"]
        result["status"] = entry.get("status") or entry["error"].get("status")
    return result


# --- the command line ---------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _money(value: Any) -> str:
    """Exact dollars without trailing zeros, at least cents: $2.00, $0.000028."""
    if value is None:
        return "-"
    amount = Decimal(str(value)).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return f"${amount:f}"


def _print_route(client: LLMRouterClient) -> None:
    route = client.last_headers.get("x-llmhub-route")
    if route:
        decided = json.loads(route)
        print(f"[auto → {decided.get('model')} ({decided.get('tier')}, {decided.get('task')})]", file=sys.stderr)


def _messages_from(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.messages is not None:
        try:
            messages = json.loads(args.messages)
        except ValueError as exc:
            raise LLMRouterError(f"--messages is not valid JSON: {exc}", exit_code=EXIT_USAGE) from None
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise LLMRouterError("--messages must be a JSON array of message objects.", exit_code=EXIT_USAGE)
    else:
        messages = [{"role": "user", "content": args.message}]
    if args.system:
        messages = [{"role": "system", "content": args.system}, *messages]
    return messages


def cmd_chat(client: LLMRouterClient, args: argparse.Namespace) -> int:
    params: dict[str, Any] = {}
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.cache:
        params["headers"] = {"x-llmhub-cache": args.cache}
    messages = _messages_from(args)
    if args.stream:
        for piece in client.chat_stream(args.model, messages, **params):
            print(piece, end="", flush=True)
        print()
    else:
        response = client.chat(args.model, messages, **params)
        print((response.get("choices") or [{}])[0].get("message", {}).get("content") or "")
        usage = response.get("usage") or {}
        if "cost" in usage:
            print(f"[{usage.get('total_tokens')} tokens, cost {_money(usage.get('cost'))}]", file=sys.stderr)
    _print_route(client)
    return EXIT_OK


def cmd_vision(client: LLMRouterClient, args: argparse.Namespace) -> int:
    response = client.vision(args.model, args.image, args.prompt)
    print((response.get("choices") or [{}])[0].get("message", {}).get("content") or "")
    return EXIT_OK


def cmd_models(client: LLMRouterClient, args: argparse.Namespace) -> int:
    rows = []
    for model in client.models():
        pricing = model.get("pricing") or {}
        caps = model.get("capabilities") or {}
        rows.append(
            [
                str(model.get("id")),
                str(model.get("family") or model.get("owned_by") or "-"),
                _money(pricing.get("input_per_million")),
                _money(pricing.get("output_per_million")),
                ", ".join(k for k in ("vision", "tools", "streaming") if caps.get(k)) or "-",
            ]
        )
    print(_table(["model", "family", "input $/1M", "output $/1M", "capabilities"], rows))
    return EXIT_OK


def cmd_compare(client: LLMRouterClient, args: argparse.Namespace) -> int:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if len(models) < 2:
        raise LLMRouterError('--models needs at least two comma-separated names, e.g. "a,b".', exit_code=EXIT_USAGE)
    results = client.compare_models(models, args.message)
    rows = []
    for model, result in results.items():
        usage = result["usage"]
        tokens = f"{usage.get('prompt_tokens', 0)}+{usage.get('completion_tokens', 0)}" if usage else "-"
        status = "ok" if "error" not in result else f"error: {result['error'].get('code')}"
        rows.append([model, f"{result['latency']:.2f}s", tokens, _money(result["cost"]), status])
    print(_table(["model", "latency", "tokens in+out", "cost", "status"], rows))
    for model, result in results.items():
        print(f"\n=== {model} ===")
        print(result["response"] if "error" not in result else f"(failed: {result['error'].get('message')})")
    failures = [r for r in results.values() if "error" in r]
    if failures and len(failures) == len(results):
        return exit_code_for(failures[0].get("status") or 502)
    return EXIT_OK


def cmd_usage(client: LLMRouterClient, args: argparse.Namespace) -> int:
    report = client.usage()
    totals = report.get("totals") or {}
    print(f"Spend from {report.get('start')} to {report.get('end')} ({report.get('time_zone')}):")
    print(f"  {_money(totals.get('cost'))} over {totals.get('requests', 0)} requests")
    rows = [
        [
            str(row.get("model")),
            str(row.get("requests")),
            f"{row.get('prompt_tokens')}+{row.get('completion_tokens')}",
            _money(row.get("cost")),
        ]
        for row in report.get("by_model") or []
    ]
    if rows:
        print(_table(["model", "requests", "tokens in+out", "cost"], rows))
    team = report.get("team") or {}
    if team:
        print(f"Credits remaining for {team.get('name')}: {_money(team.get('credits_remaining'))}")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", default=argparse.SUPPRESS, help="server /v1 URL (env LLMHUB_BASE_URL)")
    common.add_argument("--api-key", default=argparse.SUPPRESS, help="API key (env LLMHUB_API_KEY or AISA_API_KEY)")
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds (default 120)")
    parser = _Parser(
        prog="llm_router_client.py",
        description="Chat with, compare and list LLMs through LLM Hub (or AIsa). Standard library only.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    shown: dict[str, Any] = {
        "parents": [common],
        "epilog": EXIT_CODES_HELP,
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    chat = sub.add_parser("chat", **shown, help="chat with a model (model 'auto' routes by cost)")
    chat.add_argument("--model", required=True)
    source = chat.add_mutually_exclusive_group(required=True)
    source.add_argument("--message", help="the user message")
    source.add_argument("--messages", help="the conversation as a JSON array of {role, content}")
    chat.add_argument("--system", help="a system prompt, put first")
    chat.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--max-tokens", type=int)
    chat.add_argument("--cache", choices=["use", "skip"], help="LLM Hub response cache: opt in or out")
    vision = sub.add_parser("vision", **shown, help="ask a vision model about an image")
    vision.add_argument("--model", required=True)
    vision.add_argument("--image", required=True, help="an http(s) URL or a local image file")
    vision.add_argument("--prompt", required=True)
    sub.add_parser("models", **shown, help="list models with prices per 1M tokens and capabilities")
    compare = sub.add_parser("compare", **shown, help="send one message to 2-4 models side by side")
    compare.add_argument("--models", required=True, help='comma-separated, e.g. "gpt-4.1,claude-3-sonnet"')
    compare.add_argument("--message", required=True)
    sub.add_parser("usage", **shown, help="your spend this month, by model (LLM Hub)")
    return parser


COMMANDS = {"chat": cmd_chat, "vision": cmd_vision, "models": cmd_models, "compare": cmd_compare, "usage": cmd_usage}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    client = LLMRouterClient(
        api_key=getattr(args, "api_key", None),
        base_url=getattr(args, "base_url", None),
        timeout=getattr(args, "timeout", 120.0),
    )
    try:
        return COMMANDS[args.command](client, args)
    except LLMRouterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
