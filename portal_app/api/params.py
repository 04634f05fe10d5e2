"""Path parameters from the client: an object id is a positive 64-bit integer, else not found."""

from __future__ import annotations

from portal_app.services.core.errors import NotFound

MAX_ID = 2**63 - 1  # the widest id a database column holds; larger numbers name nothing


def object_id(raw: object) -> int:
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise NotFound("document")
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise NotFound("document")
    return value
