"""The Redis cache backend: Django's, with one client per pool instead of one per call."""

import pytest
import redis

from mindwell.server.cache import RedisCache

URL = "redis://127.0.0.1:6379/8"


@pytest.fixture
def cache() -> RedisCache:
    try:
        redis.Redis.from_url(URL).flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable: {error}")
    return RedisCache(URL, {"KEY_PREFIX": "test"})


def test_it_stores_reads_and_counts_like_djangos(cache: RedisCache) -> None:
    cache.set("a", {"x": 1})
    cache.set_many({"b": 2, "c": 3})
    assert cache.get("a") == {"x": 1}
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": {"x": 1}, "b": 2, "c": 3}
    assert cache.add("n", 0) is True and cache.add("n", 5) is False
    assert cache.incr("n") == 1 and cache.incr("n") == 2
    cache.delete("a")
    assert cache.get("a") is None


def test_every_call_shares_one_client(cache: RedisCache) -> None:
    first = cache._cache.get_client("k", write=True)
    cache.set("k", 1)
    assert cache._cache.get_client("k", write=True) is first


def test_the_page_cache_hit_reads_versions_and_counts_a_view_in_one_call(cache: RedisCache) -> None:
    cache.set_many({"v:a": 17, "v:b": 23})
    assert cache.get_many_and_incr(["v:b", "v:missing", "v:a"], "views:1") == ([23, None, 17], 1)
    assert cache.get_many_and_incr(["v:a"], "views:1") == ([17], 2)
    assert cache.get("views:1") == 2 and cache.incr("views:1") == 3  # Django's own counter
    assert cache.get_many_and_incr(["v:a"], None) == ([17], 0)
    assert cache.get("views:1") == 3


def test_the_hit_survives_a_dropped_connection_and_a_failed_command(cache: RedisCache) -> None:
    cache.set("v:a", 17)
    assert cache.get_many_and_incr(["v:a"], "views:1") == ([17], 1)
    redis.Redis.from_url(URL).client_kill_filter(_type="normal", skipme=True)  # a Redis restart
    assert cache.get_many_and_incr(["v:a"], "views:1") == ([17], 2)
    cache.set("views:2", "not a number")
    with pytest.raises(redis.ResponseError):
        cache.get_many_and_incr(["v:a"], "views:2")
    # No reply of the failed call is left for the next to read.
    assert cache.get_many_and_incr(["v:a"], "views:1") == ([17], 3)


def test_the_rate_limits_move_several_counters_in_one_call(cache: RedisCache) -> None:
    assert cache.incr_many(["limit:a", "limit:b"], 1, 60) == [1, 1]
    assert cache.incr_many(["limit:a", "limit:b"], 1, 60) == [2, 2]
    assert cache.incr_many(["limit:b", "limit:c"], -1, 60) == [1, -1]
    assert cache.get_many(["limit:a", "limit:b", "limit:c"]) == {
        "limit:a": 2,
        "limit:b": 1,
        "limit:c": -1,
    }
    # A new counter expires with its window.
    assert 0 < redis.Redis.from_url(URL).ttl(cache.make_key("limit:c")) <= 60
    assert cache.incr("limit:a") == 3  # Django's own counter reads the same value
    assert cache.incr_many([], 1, 60) == []
