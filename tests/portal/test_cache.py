"""portal/cache.py: Django's Redis cache, one redis-py client per connection pool."""

import socket

import pytest
from django.core.cache.backends.redis import RedisCache as DjangosRedisCache

from portal.cache import RedisCache


def test_one_client_per_pool_not_one_per_call():
    # Building a client connects to nothing: no Redis server is needed here.
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is first
    assert cache._cache.get_client("c", write=True) is first  # one server: reads and writes share it
    assert first.connection_pool is cache._cache._get_connection_pool(True)
    # Django's own makes a new one for every call (what this module is for).
    django_cache = DjangosRedisCache("redis://127.0.0.1:6379/15", {})
    assert django_cache._cache.get_client("a") is not django_cache._cache.get_client("a")


def test_reads_spread_over_replicas_each_with_its_own_client(monkeypatch):
    cache = RedisCache("redis://127.0.0.1:6379/15,redis://127.0.0.1:6379/14,redis://127.0.0.1:6379/13", {})
    client = cache._cache
    picks = iter([1, 2, 1])
    monkeypatch.setattr("random.randint", lambda a, b: next(picks))
    one, two, again = client.get_client(), client.get_client(), client.get_client()
    assert one is again and one is not two
    assert one.connection_pool.connection_kwargs["db"] == 14 and two.connection_pool.connection_kwargs["db"] == 13
    assert client.get_client(write=True).connection_pool.connection_kwargs["db"] == 15


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_it_stores_and_counts_through_redis():
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "csk-test"})
    cache.delete_many(["k", "n"])
    cache.set("k", {"ý": 1}, 30)
    assert cache.get("k") == {"ý": 1}
    assert cache.add("n", 1, 30) and cache.incr("n") == 2
    cache.delete_many(["k", "n"])
