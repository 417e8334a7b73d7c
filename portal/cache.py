"""Django's Redis cache, keeping its redis-py client.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call (`get_client`), on a
connection pool it keeps. The connections are reused, but redis-py's constructor copies its
table of some 170 response callbacks each time: 74-147 us more per call (bench/cache_client.py),
and a submission makes up to four (the rate limit's two, the kept blank form's, the current
campaign's when the process's copy has expired). A `redis.Redis` is safe to share between
threads; one per pool is kept.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
