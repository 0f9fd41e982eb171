"""Per-key rate limits: requests and tokens per minute, as token buckets (429 with an exact Retry-After).

Buckets live in this process, or in Redis when REDIS_URL is set (one Lua script per check, so limits
hold across workers). A bucket of capacity L refills at L per minute. Tokens are reserved at the
request's worst case (prompt estimate + every output token it may produce), like the credit hold, and
corrected to the actual total once it settles: a burst cannot spend more than the bucket holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from llmhub.errors import RateLimited

log = logging.getLogger("llmhub.billing.rate_limits")
BUCKET_TTL_SECONDS = 120  # a full bucket is the same as no bucket
MAX_ADMITTED = 100_000  # requests awaiting their token correction, bounded in case one never settles

# KEYS: rpm bucket, tpm bucket. ARGV: rpm limit, tpm limit (0: none), tokens to take, ttl.
# Returns {1} when admitted, else {0, seconds to wait (string), "rpm"|"tpm"}.
ADMIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function level(key, cap)
  local v = redis.call('HMGET', key, 'level', 'ts')
  if not v[1] then return cap end
  return math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * cap / 60)
end
local rpm, tpm, cost, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local r, k
if rpm > 0 then
  r = level(KEYS[1], rpm)
  if r < 1 then return {0, tostring((1 - r) * 60 / rpm), 'rpm'} end
end
if tpm > 0 then
  k = level(KEYS[2], tpm)
  local need = math.min(cost, tpm)
  if k < need then return {0, tostring((need - k) * 60 / tpm), 'tpm'} end
end
if rpm > 0 then
  redis.call('HSET', KEYS[1], 'level', tostring(r - 1), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[1], ttl)
end
if tpm > 0 then
  redis.call('HSET', KEYS[2], 'level', tostring(k - cost), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[2], ttl)
end
return {1}
"""

# KEYS: tpm bucket. ARGV: tpm limit, tokens to take back (negative gives tokens back), ttl.
CORRECT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cap, delta, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'level', 'ts')
local lvl = cap
if v[1] then lvl = math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * cap / 60) end
redis.call('HSET', KEYS[1], 'level', tostring(math.min(cap, lvl - delta)), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
return 1
"""

# KEYS: rpm bucket, tpm bucket. ARGV: rpm limit, tpm limit. Returns the levels now (strings), without taking.
PEEK_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local out = {}
for i = 1, 2 do
  local cap = tonumber(ARGV[i])
  local v = redis.call('HMGET', KEYS[i], 'level', 'ts')
  local lvl = cap
  if v[1] then lvl = math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * cap / 60) end
  out[i] = tostring(lvl)
end
return out
"""


@dataclass
class _Bucket:
    level: float
    at: float

    def refill(self, cap: int, now: float) -> float:
        self.level = min(float(cap), self.level + (now - self.at) * cap / 60.0)
        self.at = now
        return self.level


class LocalBuckets:
    """The same buckets in this process, for a single worker (or when Redis is unreachable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[int, str], _Bucket] = {}

    def _bucket(self, key_id: int, kind: str, cap: int, now: float) -> _Bucket:
        bucket = self._buckets.setdefault((key_id, kind), _Bucket(float(cap), now))
        bucket.refill(cap, now)
        return bucket

    def admit(self, key_id: int, rpm: int, tpm: int, tokens: int) -> tuple[float, str] | None:
        now = time.monotonic()
        with self._lock:
            requests = self._bucket(key_id, "rpm", rpm, now) if rpm else None
            if requests is not None and requests.level < 1:
                return (1 - requests.level) * 60 / rpm, "rpm"
            token_bucket = self._bucket(key_id, "tpm", tpm, now) if tpm else None
            if token_bucket is not None and token_bucket.level < min(tokens, tpm):
                return (min(tokens, tpm) - token_bucket.level) * 60 / tpm, "tpm"
            if requests is not None:
                requests.level -= 1
            if token_bucket is not None:
                token_bucket.level -= tokens
        return None

    def correct(self, key_id: int, tpm: int, delta: int) -> None:
        now = time.monotonic()
        with self._lock:
            bucket = self._bucket(key_id, "tpm", tpm, now)
            bucket.level = min(float(tpm), bucket.level - delta)

    def peek(self, key_id: int, rpm: int, tpm: int) -> tuple[float, float]:
        now = time.monotonic()
        with self._lock:
            levels = [
                self._bucket(key_id, kind, cap, now).level if cap else 0.0 for kind, cap in (("rpm", rpm), ("tpm", tpm))
            ]
        return levels[0], levels[1]

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


class RedisBuckets:
    """Buckets in Redis, shared by every worker; each check is one atomic script call."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._admit = self.client.register_script(ADMIT_SCRIPT)
        self._correct = self.client.register_script(CORRECT_SCRIPT)
        self._peek = self.client.register_script(PEEK_SCRIPT)

    @staticmethod
    def _keys(key_id: int) -> list[str]:
        return [f"llmhub:rl:{key_id}:rpm", f"llmhub:rl:{key_id}:tpm"]

    def admit(self, key_id: int, rpm: int, tpm: int, tokens: int) -> tuple[float, str] | None:
        result = self._admit(keys=self._keys(key_id), args=[rpm, tpm, tokens, BUCKET_TTL_SECONDS])
        if int(result[0]) == 1:
            return None
        return float(result[1]), result[2].decode()

    def correct(self, key_id: int, tpm: int, delta: int) -> None:
        self._correct(keys=self._keys(key_id)[1:], args=[tpm, delta, BUCKET_TTL_SECONDS])

    def peek(self, key_id: int, rpm: int, tpm: int) -> tuple[float, float]:
        levels = self._peek(keys=self._keys(key_id), args=[rpm, tpm])
        return float(levels[0]), float(levels[1])

    def clear(self) -> None:
        for name in self.client.scan_iter(match="llmhub:rl:*"):
            self.client.delete(name)


_local = LocalBuckets()
_redis: RedisBuckets | None = None
_redis_url = ""
_admitted: OrderedDict[str, tuple[int, int, int]] = OrderedDict()  # request id -> (key, tpm, tokens taken)
_admitted_lock = threading.Lock()


def _store() -> Any:
    global _redis, _redis_url
    if not settings.REDIS_URL:
        return _local
    if _redis is None or _redis_url != settings.REDIS_URL:
        _redis, _redis_url = RedisBuckets(settings.REDIS_URL), settings.REDIS_URL
    return _redis


def blocks() -> bool:
    """True if taking from or correcting a key's buckets is a network call (Redis), not a local one."""
    return bool(settings.REDIS_URL)


def pending(request_id: str) -> bool:
    """True if the request took tokens/minute that `correct` will settle to the actual count."""
    with _admitted_lock:
        return request_id in _admitted


def _call(method: str, *args: Any) -> Any:
    store = _store()
    try:
        return getattr(store, method)(*args)
    except Exception:  # Redis down: keep limiting in this process rather than failing requests
        if store is _local:
            raise
        log.warning("rate limits: Redis unavailable, limiting in-process", exc_info=True)
        return getattr(_local, method)(*args)


def admit(*, key_id: int | None, request_id: str, tokens: int, rpm: int | None, tpm: int | None) -> None:
    """Take one request and `tokens` from the key's buckets, or raise 429 with the wait in Retry-After."""
    if key_id is None or not (rpm or tpm):
        return
    refused = _call("admit", key_id, rpm or 0, tpm or 0, tokens)
    if refused is not None:
        wait, which = refused
        raise RateLimited(_refusal_message(which, rpm if which == "rpm" else tpm, wait), retry_after=wait)
    if tpm:
        with _admitted_lock:
            _admitted[request_id] = (key_id, tpm, tokens)
            while len(_admitted) > MAX_ADMITTED:
                _admitted.popitem(last=False)


@dataclass(frozen=True)
class Headroom:
    """A key's limits and what is left of them now (None where the key has no such limit)."""

    rpm: int | None
    tpm: int | None
    requests_left: int | None
    tokens_left: int | None


def headroom(*, key_id: int, rpm: int | None, tpm: int | None) -> Headroom:
    """What the key may still send this minute, read without taking anything. Sync (Redis when configured)."""
    if not (rpm or tpm):
        return Headroom(rpm, tpm, None, None)
    requests, tokens = _call("peek", key_id, rpm or 0, tpm or 0)
    return Headroom(
        rpm or None,
        tpm or None,
        max(0, int(requests)) if rpm else None,
        max(0, int(tokens)) if tpm else None,
    )


def correct(request_id: str, actual_tokens: int) -> None:
    """Charge the key's tokens/minute for what the request really used, now that it has settled."""
    with _admitted_lock:
        admitted = _admitted.pop(request_id, None)
    if admitted is None:
        return
    key_id, tpm, taken = admitted
    if actual_tokens != taken:
        _call("correct", key_id, tpm, actual_tokens - taken)


def forget(request_id: str) -> None:
    """A request refused after admission (402): its tokens stay taken, but no correction will come."""
    with _admitted_lock:
        _admitted.pop(request_id, None)


def reset() -> None:
    """Empty every bucket (tests; and after changing limits, to start from full buckets)."""
    _local.clear()
    if settings.REDIS_URL:
        _store().clear()
    with _admitted_lock:
        _admitted.clear()


def _refusal_message(which: str, limit: int | None, wait: float) -> str:
    seconds = max(1, int(wait + 0.999))
    if which == "rpm":
        return f"Rate limit exceeded: this key may send {limit} requests per minute. Retry in {seconds} s."
    return (
        f"Rate limit exceeded: this key may use {limit} tokens per minute (prompt and completion). "
        f"Retry in {seconds} s."
    )
