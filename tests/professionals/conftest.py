from datetime import timedelta

import pytest
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.professionals.models import Credential
from tests.conftest import make_user


def verified(
    user: User, days: int = 365, profession: str = "therapist", country: str = "GB"
) -> Credential:
    return Credential.objects.create(
        user=user,
        profession=profession,
        licence_number="MFT 12345",
        licensing_body="HCPC",
        country=country,
        expires_on=timezone.localdate() + timedelta(days=days),
        status=Credential.Status.VERIFIED,
    )


@pytest.fixture
def therapist(db: None) -> User:
    user = make_user("Tess")
    verified(user)
    return user
