"""Fixed-window rate limits kept in the cache (shared across processes when REDIS_URL is set)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse(spec):
    """'30/m' -> (30, 60)."""
    count, _, period = spec.partition("/")
    return int(count), PERIODS[period]


def allow(scope, key, spec):
    """Count one hit for `key` in `scope`; False once the limit in `spec` is used up."""
    limit, period = parse(spec)
    window = int(time.time() // period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=period + 1):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period + 1)
        return True


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


def too_many_requests(request, message):
    response = render(request, "errors/429.html", {"message": message}, status=429)
    response["Retry-After"] = "60"
    return response
