"""Signed links in emails (unsubscribe, confirm an address) and the address hash.

Links are signed with the secret key, so a tampered token fails to verify and
changes nothing; they carry no address, only ids and the address's hash.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "mindwell.notify.unsubscribe"
CONFIRM_SALT = "mindwell.notify.confirm"
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 365  # a year: old emails keep working for a while
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7


def address_hash(address: str) -> str:
    """A keyed hash of an address: recognises it again without storing it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Unsubscribe:
    kind: str
    user_id: int | None = None  # a member's email choices
    address_hash: str = ""  # or an anonymous visitor's address


def unsubscribe_token(kind: str, *, user_id: int | None = None, address: str = "") -> str:
    payload = {"k": kind, "u": user_id} if user_id else {"k": kind, "a": address_hash(address)}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """The request a token carries, or None when it was tampered with or is too old."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    return Unsubscribe(kind=data["k"], user_id=data.get("u"), address_hash=data.get("a", ""))


def confirm_token(user_id: int, email: str) -> str:
    # The address's hash is inside, so a link stops working once the address changes.
    return signing.dumps({"u": user_id, "a": address_hash(email)}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, str] | None:
    """(user id, address hash), or None when tampered with or older than a week."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("a", ""))
