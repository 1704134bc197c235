"""Live updates: the channel-layer group names and the publish helpers, in one place.

Services call `publish()` inside their transaction; the fragment is rendered once and sent to the
group only after the transaction commits. Consumers forward it to their sockets as is.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

OPERATORS = "operators"
CWG_PREFIX = "cwg-"


def cwg_group(cwg_id):
    return f"{CWG_PREFIX}{cwg_id}"


def send_now(group, html, translations=None):
    """Send an already rendered fragment to a group (`translations`: the same fragment in each
    language, for the representatives' sockets). Failures are logged, never raised:
    a dropped live update is recovered by the page's resync, a failed request is not."""
    event = {"type": "fragment", "html": html}
    if translations:
        event["translations"] = translations
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:
        logger.exception("live update to %s failed", group)


def publish(groups, template_name, context):
    """Render `template_name` and send it to every group in `groups` after commit: once in
    the site's language for the operators, and in each language for a CWG's group, whose
    representatives each read their own (whoever's request caused the change)."""
    if isinstance(groups, str):
        groups = [groups]
    rendered = {}

    def html(language):
        if language not in rendered:
            with translation.override(language):
                rendered[language] = render_to_string(template_name, context)
        return rendered[language]

    default = html(settings.LANGUAGE_CODE)
    translations = None
    if any(group.startswith(CWG_PREFIX) for group in groups):
        site = settings.LANGUAGE_CODE.split("-")[0]  # its fragment is `default`
        translations = {code: html(code) for code, _name in settings.LANGUAGES if code != site}

    def send():
        for group in groups:
            send_now(group, default, translations if group.startswith(CWG_PREFIX) else None)

    transaction.on_commit(send)
