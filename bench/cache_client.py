#!/usr/bin/env python
"""A cache call through Django's Redis backend and through portal/cache.py's, in one run.

    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/cache_client.py [--calls 20000]

Both backends get the same key from the same Redis, in alternating rounds; the median time of
one call of each is printed, and the ratio. Django's backend builds a new redis-py client for
every call; ours keeps one per connection pool.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402

settings.configure()  # the two backends need nothing of the project's settings

from django.core.cache.backends.redis import RedisCache as DjangosRedisCache  # noqa: E402

from portal.cache import RedisCache  # noqa: E402


def per_call_us(cache, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        cache.get("bench-cache-client")
    return (time.perf_counter() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    caches = {"Django's RedisCache": DjangosRedisCache(url, {}), "portal.cache.RedisCache": RedisCache(url, {})}
    for cache in caches.values():
        cache.set("bench-cache-client", {"campaign": 1}, 300)
        per_call_us(cache, 100)  # connect, warm up
    times = {name: [] for name in caches}
    for _ in range(args.rounds):
        for name, cache in caches.items():
            times[name].append(per_call_us(cache, args.calls // args.rounds))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, us in medians.items():
        print(f"{name:<26} {us:8.1f} µs per get (median of {args.rounds} rounds of {args.calls // args.rounds})")
    django_us, ours_us = medians.values()
    print(f"ratio: {ours_us / django_us:.2f} × Django's ({django_us - ours_us:.1f} µs less per call)")


if __name__ == "__main__":
    main()
