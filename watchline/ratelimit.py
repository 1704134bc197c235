"""Fixed-window rate limits kept in the cache (shared across processes when REDIS_URL is set)."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
logger = logging.getLogger(__name__)


def parse(spec):
    """'30/m' -> (30, 60)."""
    count, _, period = spec.partition("/")
    return int(count), PERIODS[period]


def allow(scope, key, spec):
    """Count one hit for `key` in `scope`; False once the limit in `spec` is used up. Fails
    open: when the cache (Redis) cannot be reached the hit is allowed and the outage logged,
    because refusing reports is worse than not counting them for a while."""
    limit, period = parse(spec)
    window = int(time.time() // period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    try:
        return _count(cache_key, limit, period)
    except Exception as unreachable:
        logger.warning("rate limit %s not counted, the cache failed: %r", scope, unreachable)
        return True


def _count(cache_key, limit, period):
    if cache.add(cache_key, 1, timeout=period + 1):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period + 1)
        return True


def retry_after(spec):
    """Seconds until the current window of `spec` ends (for the Retry-After header)."""
    _, period = parse(spec)
    return max(1, period - int(time.time() % period))


def client_address(request):
    """The client's address. Behind `settings.TRUSTED_PROXIES` load balancers, each appending
    to X-Forwarded-For, it is the entry the outermost trusted one added; earlier entries are
    whatever the client chose to send, so they are never trusted."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def too_many_requests(request, message, spec=None):
    response = render(request, "errors/429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after(spec) if spec else 60)
    return response
