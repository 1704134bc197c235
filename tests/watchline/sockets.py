"""Open the project's real WebSocket stack as a logged-in browser would."""

from channels.testing import WebsocketCommunicator
from django.test import Client

from watchline.asgi import application


def browser(user=None):
    """A test client logged in as `user` (or anonymous), with a session cookie."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def socket(path, client=None):
    """A communicator for `path` carrying `client`'s session cookie (built outside the loop)."""
    headers = [(b"origin", b"http://testserver")]
    if client is not None and "sessionid" in client.cookies:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def closed_with(communicator, timeout=5):
    """The close code the server sends next, skipping fragments; None if it stays open."""
    while True:
        try:
            message = await communicator.receive_output(timeout=timeout)
        except TimeoutError:
            return None
        if message["type"] == "websocket.close":
            return message.get("code")
