"""Live updates: the channel-layer group names and the publish helpers, in one place.

Services call `publish()` inside their transaction; the fragment is rendered once, after the
transaction commits (outside its row locks, from the committed state), and sent to the group.
Consumers forward it to their sockets as is.
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


def send_now(group, html):
    """Send an already rendered fragment to a group. Failures are logged, never raised:
    a dropped live update is recovered by the page's resync, a failed request is not."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "fragment", "html": html})
    except Exception:
        logger.exception("live update to %s failed", group)


def publish(groups, template_name, context):
    """After commit, render `template_name` once and send it to every group in `groups`.
    `context` is a dict or a function returning one (called after commit: queries it makes
    run outside the writing transaction and its locks). A failure is logged, never raised."""
    if isinstance(groups, str):
        groups = [groups]

    def send():
        try:
            html = render_to_string(template_name, context() if callable(context) else context)
        except Exception:
            logger.exception("live update %s could not be rendered", template_name)
            return
        for group in groups:
            send_now(group, html)

    transaction.on_commit(send)
