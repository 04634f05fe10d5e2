"""A real SMTP server (aiosmtpd) on a free local port that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._handler = _Keep()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self._handler.messages

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(address)) >= count:
                return self.to(address)
            time.sleep(0.1)
        raise AssertionError(f"no mail #{count} for {address}; got {[m['To'] for m in self.messages]}")


def link_in(message: EmailMessage) -> str:
    """The first portal link in a received mail, as a path with its query (host left off)."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/[^\s]*token=[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)
