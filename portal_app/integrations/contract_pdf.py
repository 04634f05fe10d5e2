"""The signed-contract PDF (reportlab): the exact text, then the signature and its evidence.

Every string goes through `escape` before `Paragraph` (reportlab reads markup; a typed name like
`<img src="/etc/passwd"/>` must print as text, not open a file).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from portal_app.integrations.documents import Formats, _build, _header, _text


@dataclass(frozen=True)
class SignedContract:
    title: str
    version: str
    body_text: str
    account_number: str
    account_name: str
    signer_name: str
    signed_at: dt.datetime
    signer_ip: str
    signer_user_agent: str
    sha256: str


def signed_contract_pdf(doc: SignedContract, *, fmt: Formats) -> bytes:
    """The contract's own text as signed (its language is the provider's); the words around it in the reader's."""
    say = fmt.say
    story = _header(doc.title)
    story += [_text(say("Subscriber: %(name)s · Subscriber ID: %(number)s", name=doc.account_name,
                        number=doc.account_number)),
              _text(say("Version %(version)s", version=doc.version)), Spacer(1, 0.15 * inch)]
    for paragraph in doc.body_text.split("\n\n"):
        if paragraph.strip():
            story += [_text(paragraph.strip()), Spacer(1, 0.08 * inch)]
    unknown = say("unknown")
    story += [Spacer(1, 0.2 * inch), _text(say("Electronic signature"), "Heading3"),
              _text(say("Signed by: %(name)s", name=doc.signer_name)),
              _text(say("Date: %(when)s", when=fmt.moment(doc.signed_at, zone_name=True))),
              _text(say("Client address: %(address)s", address=doc.signer_ip or unknown)),
              _text(say("Browser: %(browser)s", browser=doc.signer_user_agent or unknown)),
              _text(say("SHA-256 of the signed text: %(hash)s", hash=doc.sha256))]
    return _build(story, doc.title)
