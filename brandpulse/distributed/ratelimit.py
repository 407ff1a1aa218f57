"""Per-domain politeness shared by every node: a token bucket in Redis (one Lua script,
atomic on the server, timed by the server's clock so node clocks do not matter).

Each web domain has a bucket of ``capacity`` tokens refilled at one token per
``interval_s`` seconds; a crawl task takes one token before it starts a crawl on that
domain, or is told how long to wait (it is then re-queued with that countdown).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

KEY_PREFIX = "brandpulse:rate:"

#: KEYS[1] bucket; ARGV[1] milliseconds per token, ARGV[2] capacity. Returns the
#: milliseconds to wait (0: a token was taken).
TOKEN_BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
if interval <= 0 then return 0 end
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or cap)
local ts = tonumber(redis.call('HGET', KEYS[1], 'ts') or now)
if now > ts then tokens = math.min(cap, tokens + (now - ts) / interval) end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * interval)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(interval * cap * 2) + 1000)
return wait
"""


def domain_of(url: str) -> str:
    """The host a URL's requests go to (lower case; ``local`` when it has none)."""
    return (urlsplit(url).hostname or "local").lower()


class DomainRateLimit:
    """The shared bucket per domain on the Redis at ``url``.

    Args:
        url: ``redis://host:port/db`` (the password, if any, is never logged).
        interval_s: seconds per token (default 10); 0 disables the limit.
        capacity: tokens a bucket holds (default 1: no burst).
        prefix: key prefix, so two clusters on one Redis do not share buckets.
    """

    def __init__(
        self,
        url: str,
        *,
        interval_s: float = 10.0,
        capacity: int = 1,
        prefix: str = KEY_PREFIX,
        client: Any | None = None,
    ) -> None:
        import redis

        self._redis = client or redis.Redis.from_url(url, socket_timeout=5)
        self._script = self._redis.register_script(TOKEN_BUCKET_LUA)
        self.interval_s = interval_s
        self.capacity = capacity
        self.prefix = prefix

    def acquire(self, domain: str) -> float:
        """Take a token for ``domain``: 0.0 when taken, else the seconds to wait first."""
        waited = self._script(
            keys=[f"{self.prefix}{domain}"],
            args=[int(self.interval_s * 1000), self.capacity],
        )
        return float(waited) / 1000.0

    def close(self) -> None:
        self._redis.close()
