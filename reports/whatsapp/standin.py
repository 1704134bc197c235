"""A small stand-in for Meta's Graph API on 127.0.0.1, for development and tests.

It answers what Watchline calls, exactly as Watchline calls Meta (through WHATSAPP_API_URL):
`POST /<version>/<phone number id>/messages` (records the message, answers with a new wamid),
`GET /<version>/<media id>` and the media URL it gives (the bytes registered with `add_media`).
Failures can be scripted (`fail_next`). With a webhook URL and app secret it also plays Meta's
side of the webhook: signed deliveries of inbound messages (`deliver`, or
`POST /_standin/inbound` from a shell) and, after each send, the `sent` and `delivered` statuses.
`GET /_standin/messages` lists what was sent. The payload builders below write deliveries in
Meta's wire format; the tests use them to build their own payloads.
"""

import base64
import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from reports.whatsapp.signature import sign

VERSION = "v23.0"
_ids = itertools.count(1)


def new_wamid(prefix="SB"):
    return "wamid." + base64.b64encode(f"{prefix}{time.time_ns()}-{next(_ids)}".encode()).decode()


# --- Payload builders (Meta's webhook format) ------------------------------------------------


def _message(sender, kind, body, wamid=None, timestamp=None, context_id="", user_id=""):
    message = {
        "from": sender,
        "id": wamid or new_wamid("IN"),
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
        "type": kind,
        kind: body,
    }
    if not sender:
        del message["from"]
    if user_id:
        message["from_user_id"] = user_id
    if context_id:
        message["context"] = {"from": "15550000000", "id": context_id}
    return message


def text_message(sender, body, **kw):
    return _message(sender, "text", {"body": body}, **kw)


def location_message(sender, latitude, longitude, name="", address="", **kw):
    body = {"latitude": latitude, "longitude": longitude}
    body.update({k: v for k, v in (("name", name), ("address", address)) if v})
    return _message(sender, "location", body, **kw)


def image_message(sender, media_id, caption="", mime="image/jpeg", **kw):
    body = {"id": media_id, "mime_type": mime, "sha256": "c2hh"}
    if caption:
        body["caption"] = caption
    return _message(sender, "image", body, **kw)


def voice_message(sender, media_id, **kw):
    body = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "sha256": "c2hh", "voice": True}
    return _message(sender, "audio", body, **kw)


def button_reply(sender, reply_id, title, **kw):
    body = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return _message(sender, "interactive", body, **kw)


def list_reply(sender, reply_id, title, **kw):
    body = {"type": "list_reply", "list_reply": {"id": reply_id, "title": title}}
    return _message(sender, "interactive", body, **kw)


def template_button(sender, payload, text, **kw):
    return _message(sender, "button", {"payload": payload, "text": text}, **kw)


def other_message(sender, kind, body, **kw):
    return _message(sender, kind, body, **kw)


def status_update(wamid, status, recipient, timestamp=None, error_code=None):
    update = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
        "recipient_id": recipient,
    }
    if error_code is not None:
        update["errors"] = [
            {"code": error_code, "title": f"Error {error_code}", "error_data": {"details": "-"}}
        ]
    return update


def value(phone_number_id, messages=(), statuses=(), errors=()):
    """One change's value; contacts are made from the messages' senders."""
    result = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
    }
    if messages:
        contacts = {}
        for m in messages:
            contact = {"profile": {"name": "Sender"}}
            if m.get("from"):
                contact["wa_id"] = m["from"]
            if m.get("from_user_id"):
                contact["user_id"] = m["from_user_id"]
            contacts[m.get("from") or m.get("from_user_id")] = contact
        result["contacts"] = list(contacts.values())
        result["messages"] = list(messages)
    if statuses:
        result["statuses"] = list(statuses)
    if errors:
        result["errors"] = list(errors)
    return result


def envelope(*values):
    """A whole delivery: one entry, one change per value."""
    changes = [{"value": v, "field": "messages"} for v in values]
    return {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": changes}]}


def encode(payload):
    """The bytes Meta sends: compact JSON with non-ASCII escaped as \\uXXXX."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()


# --- The server ------------------------------------------------------------------------------


class StandIn:
    def __init__(
        self, *, token="", phone_number_id="", app_secret="", webhook_url="", port=0, statuses=True
    ):
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.webhook_url = webhook_url
        self.statuses = statuses
        self.sent = []
        self.media = {}
        self.failures = {"send": [], "media": []}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        """The WHATSAPP_API_URL that reaches this stand-in."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/{VERSION}"

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.lock:
            self.sent.clear()
            for queue in self.failures.values():
                queue.clear()

    def add_media(self, media_id, data, mime):
        self.media[media_id] = (data, mime)

    def fail_next(self, code, http_status=400, times=1, message="scripted failure", on="send"):
        """The next `times` sends (on="send") or media look-ups (on="media") answer with this
        Graph error."""
        with self.lock:
            self.failures[on].extend([(code, http_status, message)] * times)

    def _failure(self, on):
        with self.lock:
            return self.failures[on].pop(0) if self.failures[on] else None

    def wait_for(self, predicate, timeout=10.0):
        """The first sent message matching `predicate`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.sent if predicate(m)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise TimeoutError("no such message was sent to the stand-in")

    def deliver(self, *values_or_messages, raw=None):
        """POST a signed delivery to the webhook, as Meta does; returns the HTTP status.
        Accepts whole values (see `value`) or bare messages for the configured number."""
        if raw is None:
            values = [
                v if "messaging_product" in v else value(self.phone_number_id, [v])
                for v in values_or_messages
            ]
            raw = encode(envelope(*values))
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(raw, self.app_secret),
        }
        return httpx.post(self.webhook_url, content=raw, headers=headers, timeout=30).status_code

    # Called by the handler threads.

    def _record(self, body):
        failure = self._failure("send")
        if failure:
            return None, failure
        with self.lock:
            wamid = new_wamid("OUT")
            self.sent.append({**body, "wamid": wamid})
        if self.statuses and self.webhook_url and self.app_secret:
            threading.Thread(target=self._report_statuses, args=(body, wamid), daemon=True).start()
        return wamid, None

    def _report_statuses(self, body, wamid):
        recipient = body.get("to") or body.get("recipient") or ""
        for status in ("sent", "delivered"):
            time.sleep(0.1)
            try:
                self.deliver(
                    value(self.phone_number_id, statuses=[status_update(wamid, status, recipient)])
                )
            except httpx.HTTPError:
                return


def _handler(standin):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, code, status, message):
            error = {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code}
            return self._json(status, {"error": error})

        def _authorised(self):
            if self.headers.get("Authorization") == f"Bearer {standin.token}":
                return True
            self._json(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
            return False

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self):
            path = urlsplit(self.path).path.strip("/").split("/")
            if path == ["_standin", "messages"]:
                with standin.lock:
                    return self._json(200, standin.sent)
            if not self._authorised():
                return None
            failure = standin._failure("media") if path[0] == VERSION else None
            if failure:
                return self._error(*failure)
            if len(path) == 2 and path[0] == VERSION and path[1] in standin.media:
                data, mime = standin.media[path[1]]
                host = f"http://127.0.0.1:{standin.server.server_address[1]}"
                return self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{host}/_media/{path[1]}",
                        "mime_type": mime,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "file_size": str(len(data)),
                        "id": path[1],
                    },
                )
            if len(path) == 2 and path[0] == "_media" and path[1] in standin.media:
                data, mime = standin.media[path[1]]
                self.send_response(200)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None
            return self._json(404, {"error": {"message": "Unknown object", "code": 100}})

        def do_POST(self):
            path = urlsplit(self.path).path.strip("/").split("/")
            if path == ["_standin", "inbound"]:
                return self._inbound(self._body())
            if not self._authorised():
                return None
            if path != [VERSION, standin.phone_number_id, "messages"]:
                return self._json(404, {"error": {"message": "Unknown path", "code": 100}})
            body = self._body()
            wamid, failure = standin._record(body)
            if failure:
                return self._error(*failure)
            recipient = body.get("to") or body.get("recipient")
            return self._json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": recipient, "wa_id": str(recipient).lstrip("+")}],
                    "messages": [{"id": wamid}],
                },
            )

        def _inbound(self, data):
            """From a shell: {"from": "27820000001", "text": "..."} or {"from": ..., "reply_id":
            ..., "title": ...} or {"from": ..., "latitude": ..., "longitude": ...}."""
            sender = str(data.get("from", "")).lstrip("+")
            if "reply_id" in data:
                message = button_reply(sender, data["reply_id"], data.get("title", "Reply"))
            elif "latitude" in data:
                message = location_message(
                    sender, data["latitude"], data["longitude"], data.get("name", "")
                )
            else:
                message = text_message(sender, str(data.get("text", "")))
            status = standin.deliver(message)
            return self._json(200, {"webhook_status": status, "message": message})

    return Handler
