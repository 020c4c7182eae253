"""Reading the e-mails a test sent (Django's locmem backend): the last one to an address, and its link."""

import re

from django.core import mail
from django.core.mail import EmailMessage

LINK = re.compile(r"https?://\S+")


def last_email_to(address: str) -> EmailMessage:
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"no e-mail to {address}; sent to: {[m.to for m in mail.outbox]}"
    return sent[-1]


def link_path(message: EmailMessage) -> str:
    """The path of the first link in an e-mail's body."""
    link = LINK.search(str(message.body))
    assert link, "no link in the e-mail"
    url = link.group(0)
    return re.sub(r"^https?://[^/]+", "", url)
