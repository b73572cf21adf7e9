"""A real SMTP server on loopback (aiosmtpd) and helpers to run the real task worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from mindwell.accounts.models import User
from mindwell.notify import worker
from tests.sites import free_port


class Inbox:
    """What the SMTP server accepted: one parsed message per recipient."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # as the server received them, for header checks

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            message["X-Envelope-To"] = rcpt
            self.messages.append(message)
            self.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


class SMTPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPServer]:
    """A running SMTP server on a free loopback port, and Django's mailer pointed at it."""
    server = SMTPServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


def confirm(user: User) -> User:
    User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
    user.refresh_from_db()
    return user


def run_worker() -> None:
    """The real database worker, in this process, until no task is ready."""
    worker.run(interval=0, sweep_every=0, batch=True)


def hours_later(hours: float) -> Any:
    """Move the clock on (the worker reads it to find due retries); it keeps ticking."""
    return time_machine.travel(timezone.now() + timedelta(hours=hours), tick=True)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
