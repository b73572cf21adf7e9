import pytest
from django.core.cache import cache

from mindwell.accounts.models import Level, User
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def fresh_cache():
    """Site settings and pending warnings are cached: no test may see another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def flaggers(db: None) -> list[User]:
    return [make_user(f"Flagger{n}", level=Level.APPROVED) for n in range(4)]
