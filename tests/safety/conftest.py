from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mindwell.safety.helplines import DIRECTORY_KEY


@pytest.fixture(autouse=True)
def fresh_helpline_directory() -> Iterator[None]:
    """No test sees a directory another test cached (an admin's edit is rolled back)."""
    cache.delete(DIRECTORY_KEY)
    yield
    cache.delete(DIRECTORY_KEY)
