# mypy: disable-error-code="attr-defined"
# (django-stubs do not declare the private attributes of Django's Redis client used here.)
"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every
cache operation, and each build fills a table of some 170 response callbacks:
about half a millisecond of CPU, three times on every cached page. A client is
safe to share (its pool hands out the connections), so one per pool is kept.

`get_many_and_incr` is the page cache's hit (mindwell/qa/pagecache.py): the
versions of a page and the increment of its view counter in one round trip.
`incr_many` is the rate limits' (mindwell/moderation/limits.py): several
counters moved in one.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def get_many_and_incr(self, keys: list[str], counter: str | None) -> tuple[list[Any], int]:
        """The values of `keys` in order (None if missing), and `counter` plus one.

        One round trip (MGET, INCR, sent together). A missing counter starts from 0 and
        never expires, as `add(counter, 0, None)` then `incr` would leave it.
        Without a counter the second value is 0.
        """
        commands: list[tuple[str, ...]] = [("MGET", *(self.make_key(key) for key in keys))]
        if counter is not None:
            commands.append(("INCR", self.make_key(counter)))
        # The connection itself rather than a pipeline, whose bookkeeping was a third of
        # this call's CPU; retried on a dropped connection as a pipeline would be.
        pool = self._cache.get_client(write=True).connection_pool
        connection = pool.get_connection()

        def send() -> list[Any]:
            connection.send_packed_command(connection.pack_commands(commands))
            return [connection.read_response() for _ in commands]

        try:
            found, *counted = connection.retry.call_with_retry(
                send, lambda error: connection.disconnect()
            )
        except BaseException:
            connection.disconnect()  # replies may be left unread: never reuse it as it is
            raise
        finally:
            pool.release(connection)
        loads = self._cache._serializer.loads
        return [None if value is None else loads(value) for value in found], (
            int(counted[0]) if counted else 0
        )

    def incr_many(self, keys: list[str], delta: int, timeout: int) -> list[int]:
        """Add `delta` to each of `keys` and return the new values, in one round trip.

        A missing key starts from 0 and expires after `timeout` seconds, as
        `add(key, 0, timeout)` then `incr` would leave it. MULTI/EXEC, so that no key
        expires between its SET and its INCRBY (it would come back without an expiry).
        """
        pipe = self._cache.get_client(write=True).pipeline(transaction=True)
        for key in keys:
            made = self.make_key(key)
            pipe.set(made, 0, ex=timeout, nx=True)
            pipe.incrby(made, delta)
        return [int(value) for value in pipe.execute()[1::2]]
