"""Live updates: the channel-layer group names and the publish helpers, in one place.

Services call `publish()` inside their transaction; the fragment is rendered once and sent to the
group only after the transaction commits. Consumers forward it to their sockets as is.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

OPERATORS = "operators"


def cwg_group(cwg_id):
    return f"cwg-{cwg_id}"


def user_group(user_id):
    """Every socket of one user: told to re-check its access when that user's access changes."""
    return f"user-{user_id}"


def send_now(group, html):
    """Send an already rendered fragment to a group. Failures are logged, never raised:
    a dropped live update is recovered by the page's resync, a failed request is not."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "fragment", "html": html})
    except Exception:
        logger.exception("live update to %s failed", group)


def publish(groups, template_name, context):
    """Render `template_name` once and send it to every group in `groups` after commit."""
    if isinstance(groups, str):
        groups = [groups]
    html = render_to_string(template_name, context)

    def send():
        for group in groups:
            send_now(group, html)

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
