import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Related questions are cached; each test starts without another test's entries.
    cache.clear()
    yield
    cache.clear()
