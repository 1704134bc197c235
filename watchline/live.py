"""Live updates: the channel-layer group names and the publish helpers, in one place.

Services call `publish()` inside their transaction; the fragment is rendered once, after the
transaction commits (outside its row locks, from the committed state), and sent to the group.
Consumers forward it to their sockets as is.
"""

import asyncio
import contextlib
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from watchline import sockets

logger = logging.getLogger(__name__)

OPERATORS = "operators"
CWG_PREFIX = "cwg-"


def cwg_group(cwg_id):
    return f"{CWG_PREFIX}{cwg_id}"


def user_group(user_id):
    """Every socket of one user: told to re-check its access when that user's access changes."""
    return f"user-{user_id}"


def send_now(group, html, translations=None):
    """Send an already rendered fragment to a group (`translations`: the same fragment in each
    language, for the representatives' sockets). Failures are logged, never raised: a
    failed request is worse than a dropped live update, which is recovered by closing this
    process's sockets so their pages resync (the other processes' sockets are closed by their
    own round trip through the layer failing, `sockets`)."""
    event = {"type": "fragment", "html": html}
    if translations:
        event["translations"] = translations
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception as failed:
        logger.warning("live update to %s failed: %r", group, failed)
        sockets.resync_all(f"a live update to {group} failed")


def layer_is_shared():
    """True for a layer across processes (Redis), which can fail; the in-memory one cannot."""
    return not isinstance(get_channel_layer(), InMemoryChannelLayer)


async def round_trip(timeout):
    """Send one message to a fresh channel of the layer and receive it back; raises when the
    layer fails or takes longer than `timeout` seconds. The channel is released afterwards."""
    layer = get_channel_layer()
    channel = await layer.new_channel("roundtrip.")
    # Receive as a consumer does, in a task cancelled at the end: cancelling a receive is how
    # a layer learns the channel is done with and releases it (channels-redis' pub/sub layer
    # unsubscribes), which a receive that completed never does.
    listener = asyncio.ensure_future(layer.receive(channel))
    try:
        token = uuid.uuid4().hex
        await asyncio.wait_for(layer.send(channel, {"type": "roundtrip", "token": token}), timeout)
        message = await asyncio.wait_for(asyncio.shield(listener), timeout)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned a different message")
    finally:
        if listener.done():
            listener = asyncio.ensure_future(layer.receive(channel))
            await asyncio.sleep(0)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener


def publish(groups, template_name, context):
    """After commit, render `template_name` and send it to every group in `groups`: once in
    the site's language for the operators, and in each language for a CWG's group, whose
    representatives each read their own (whoever's request caused the change). `context` is a
    dict or a function returning one (called after commit: queries it makes run outside the
    writing transaction and its locks). A failure is logged, never raised."""
    if isinstance(groups, str):
        groups = [groups]

    def send():
        try:
            data = context() if callable(context) else context
            rendered = {}

            def html(language):
                if language not in rendered:
                    with translation.override(language):
                        rendered[language] = render_to_string(template_name, data)
                return rendered[language]

            default = html(settings.LANGUAGE_CODE)
            translations = None
            if any(group.startswith(CWG_PREFIX) for group in groups):
                site = settings.LANGUAGE_CODE.split("-")[0]  # its fragment is `default`
                translations = {
                    code: html(code) for code, _name in settings.LANGUAGES if code != site
                }
        except Exception:
            logger.exception("live update %s could not be rendered", template_name)
            return
        for group in groups:
            send_now(group, default, translations if group.startswith(CWG_PREFIX) else None)

    transaction.on_commit(send)


def access_changed(groups, *, ended_session=None):
    """Tell the sockets in `groups` (e.g. `user_group(id)`, `cwg_group(id)`) that access may
    have ended: each re-checks its user and closes if it may no longer listen. A socket opened
    by `ended_session` (a session key, at logout) closes without asking. Sent after commit."""
    if isinstance(groups, str):
        groups = [groups]
    event = {"type": "access.changed", "ended_session": ended_session}

    def send():
        for group in groups:
            try:
                async_to_sync(get_channel_layer().group_send)(group, event)
            except Exception:
                logger.exception("access change to %s failed", group)

    transaction.on_commit(send)
