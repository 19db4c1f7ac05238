"""A real SMTP server on loopback (aiosmtpd), for the tests of what the portal emails.

The portal sends through Django's SMTP backend to it, exactly as to a company's mail
server; the test reads what arrived. `mailbox` (tests/conftest.py) starts one per test
and points the settings at it.
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    """Every message the server accepted, parsed, in order of arrival."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 15.0) -> EmailMessage:
        """The first message to `to`, waiting for it to arrive."""

        def arrived():
            return next((m for m in self.messages if to in str(m["To"])), None)

        with self._arrived:
            self._arrived.wait_for(lambda: arrived() is not None, timeout=timeout)
            message = arrived()
        assert message is not None, (
            f"no email to {to} arrived; got {[str(m['To']) for m in self.messages]}"
        )
        return message


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+", body_of(message))
    assert found, body_of(message)
    return found.group(0)


def start_smtp(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox
