"""WebSocket consumers: each checks the user and the group before joining, then forwards
pre-rendered fragments. They never query the database per event."""

import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from watchline import live, permissions, sockets

logger = logging.getLogger(__name__)


class FragmentConsumer(AsyncWebsocketConsumer):
    """Joins the groups `allowed_groups()` returns for this user, or closes the socket."""

    groups_joined = ()

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        groups = await database_sync_to_async(self.allowed_groups)(user)
        if not groups:
            await self.close(code=4403)
            return
        try:
            if live.layer_is_shared():
                # A socket is accepted only once a message went through the layer and back:
                # after an outage the process's subscription to Redis is working again, so
                # the page's resync (on open) and the live updates leave no gap.
                await live.round_trip(timeout=2)
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception as failed:
            # The layer (Redis) is down: the handshake is refused and the page retries.
            logger.warning("live socket refused, the channel layer failed: %r", failed)
            await self.close(code=sockets.RESYNC)
            return
        self.groups_joined = tuple(groups)
        await self.accept()
        sockets.opened(self)

    async def disconnect(self, code):
        sockets.closed(self)
        for group in self.groups_joined:
            with contextlib.suppress(Exception):  # the layer may be down; nothing to release
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is ignored."""

    language = None  # set by consumers whose user reads a language of their own

    async def fragment(self, event):
        translations = event.get("translations") or {}
        await self.send(text_data=translations.get(self.language, event["html"]))

    def allowed_groups(self, user):
        raise NotImplementedError


class DashboardConsumer(FragmentConsumer):
    """The operators' dashboard: every change on the JOC floor."""

    def allowed_groups(self, user):
        return [live.OPERATORS] if permissions.is_operator(user) else []


class CWGConsumer(FragmentConsumer):
    """A representative's portal: only their own CWG's group, named in the URL."""

    def allowed_groups(self, user):
        cwg_id = int(self.scope["url_route"]["kwargs"]["cwg_id"])
        if not permissions.speaks_for(user, cwg_id):
            return []
        self.language = permissions.representative_of(user).language
        return [live.cwg_group(cwg_id)]


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: closed with 4404 (the WebSocket's 404), never a server error."""

    async def connect(self):
        await self.close(code=4404)
