from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mindwell.safety.helplines import DIRECTORY_KEY, seed
from mindwell.safety.models import Helpline, HelplineCountry


@pytest.fixture(autouse=True)
def fresh_helpline_directory() -> Iterator[None]:
    """No test sees a directory another test cached (an admin's edit is rolled back)."""
    cache.delete(DIRECTORY_KEY)
    yield
    cache.delete(DIRECTORY_KEY)


@pytest.fixture
def seeded(db: None) -> None:
    """The helpline tables as the data migration fills them (a browser test's flush may have
    emptied them)."""
    if not Helpline.objects.exists():
        seed(HelplineCountry, Helpline)
