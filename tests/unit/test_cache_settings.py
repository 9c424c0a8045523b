"""Django's cache from the environment: Redis when CACHE_URL (or REDIS_URL) says so, local
memory otherwise, and a clear refusal of any other address."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tracker.settings import cache_settings


def test_unset_is_local_memory_with_a_bound():
    cache = cache_settings("")
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache["OPTIONS"]["MAX_ENTRIES"] > 0


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.org:6380/1", "unix:///run/r.sock"]
)
def test_a_redis_address_is_djangos_own_redis_cache(url):
    cache = cache_settings(url)
    assert cache == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


@pytest.mark.parametrize(
    "url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379", "http://secret@host/"]
)
def test_any_other_address_is_refused_with_what_to_write(url):
    with pytest.raises(ImproperlyConfigured, match="redis://") as refused:
        cache_settings(url)
    assert "secret" not in str(refused.value)  # the address may carry a password
