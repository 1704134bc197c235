"""Meta's webhook payloads (WhatsApp Business Cloud API) read into plain records.

One POST holds `entry[]`, each with `changes[]`, each `value` with `messages[]` (and
`contacts[]`), `statuses[]` and/or value-level `errors[]`: every one is read, none is assumed to
be the first. Values are kept as opaque strings where Meta's own sources disagree on their form
(ids, phone numbers, sha256); a malformed item is skipped with its reason, never the delivery.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

MEDIA_TYPES = ("image", "audio", "voice", "video", "document", "sticker")


class PayloadError(ValueError):
    """The body is not a WhatsApp Business webhook delivery."""


@dataclass
class Message:
    id: str
    phone_number_id: str
    sender: str  # the phone number as WhatsApp gives it (wa_id / from), digits without "+"
    user_id: str  # business-scoped user id, for users who hide their number
    type: str
    timestamp: datetime | None
    text: str = ""
    reply_id: str = ""
    reply_title: str = ""
    context_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_name: str = ""
    location_address: str = ""
    media_id: str = ""
    media_type: str = ""
    voice: bool = False
    group: bool = False
    raw: dict = field(default_factory=dict)


@dataclass
class Status:
    id: str
    phone_number_id: str
    status: str
    timestamp: datetime | None
    error_code: int | None = None
    error: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class Delivery:
    messages: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # value-level errors: (phone_number_id, dict)
    skipped: list = field(default_factory=list)  # (reason, item) of items that could not be read


def parse(body):
    """Read a delivery (bytes or str). PayloadError if it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise PayloadError("not a whatsapp_business_account delivery")
    delivery = Delivery()
    for entry in _list(data.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict) and change.get("field") == "messages":
                _read_value(value, delivery)
    return delivery


def _read_value(value, delivery):
    phone_number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    for item in _list(value.get("messages")):
        try:
            delivery.messages.append(_message(item, phone_number_id, contacts))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            delivery.skipped.append((f"message: {error!r}", item))
    for item in _list(value.get("statuses")):
        try:
            delivery.statuses.append(_status(item, phone_number_id))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            delivery.skipped.append((f"status: {error!r}", item))
    for item in _list(value.get("errors")):
        delivery.errors.append((phone_number_id, item))


def _message(item, phone_number_id, contacts):
    sender = str(item.get("from") or "")
    user_id = str(item.get("from_user_id") or "")
    if not sender or not user_id:
        contact = _contact_for(contacts, sender, user_id)
        sender = sender or str(contact.get("wa_id") or "")
        user_id = user_id or str(contact.get("user_id") or "")
    if not item["id"]:
        raise ValueError("message without an id")
    kind = str(item.get("type") or "unknown")
    message = Message(
        id=str(item["id"]),
        phone_number_id=phone_number_id,
        sender=sender,
        user_id=user_id,
        type=kind,
        timestamp=_timestamp(item.get("timestamp")),
        context_id=str((item.get("context") or {}).get("id") or ""),
        group=bool(item.get("group_id")),
        raw=item,
    )
    body = item.get(kind) if isinstance(item.get(kind), dict) else {}
    if kind == "text":
        message.text = str(body.get("body") or "")
    elif kind == "location":
        message.latitude = _number(body.get("latitude"))
        message.longitude = _number(body.get("longitude"))
        message.location_name = str(body.get("name") or "")
        message.location_address = str(body.get("address") or "")
    elif kind in MEDIA_TYPES:
        message.media_id = str(body.get("id") or "")
        message.media_type = str(body.get("mime_type") or "")
        message.text = str(body.get("caption") or "")
        message.voice = kind == "voice" or (kind == "audio" and bool(body.get("voice")))
    elif kind == "interactive":
        reply_type = str(body.get("type") or "")
        reply = body.get(reply_type) if isinstance(body.get(reply_type), dict) else {}
        message.reply_id = str(reply.get("id") or "")
        message.reply_title = str(reply.get("title") or "")
    elif kind == "button":
        message.reply_id = str(body.get("payload") or "")
        message.reply_title = str(body.get("text") or "")
    elif kind == "reaction":
        message.text = str(body.get("emoji") or "")
    return message


def _status(item, phone_number_id):
    errors = [e for e in _list(item.get("errors")) if isinstance(e, dict)]
    first = errors[0] if errors else {}
    detail = (first.get("error_data") or {}).get("details") if first else ""
    code = first.get("code")
    return Status(
        id=str(item["id"]),
        phone_number_id=phone_number_id,
        status=str(item["status"]),
        timestamp=_timestamp(item.get("timestamp")),
        error_code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        error=" ".join(str(p) for p in (first.get("title"), detail) if p),
        raw=item,
    )


def _contact_for(contacts, sender, user_id):
    for contact in contacts:
        if (sender and contact.get("wa_id") == sender) or (
            user_id and contact.get("user_id") == user_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _timestamp(value):
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # not NaN


def _list(value):
    return value if isinstance(value, list) else []
