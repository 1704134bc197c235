"""WebSocket consumers: each checks the user and the group before joining, then forwards
pre-rendered fragments. They never query the database per event.

Access is checked again whenever it may have ended (the services and signals that end it send
`access.changed` to the user's group or the CWG's, see `live.access_changed`) and every
`WEBSOCKET_RECHECK_SECONDS` in any case, so a socket never outlives its user's access."""

import asyncio
import contextlib
import logging

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from watchline import live, permissions, security, sockets

logger = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class FragmentConsumer(AsyncWebsocketConsumer):
    """Joins the groups `allowed_groups()` returns for this user, or closes the socket."""

    groups_joined = ()
    recheck_task = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        groups = await database_sync_to_async(self.permitted_groups)(user)
        if not groups:
            await self.close(code=FORBIDDEN)
            return
        groups = (*groups, live.user_group(user.pk))
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
        self.groups_joined = groups
        await self.accept()
        sockets.opened(self)
        self.recheck_task = asyncio.create_task(self.recheck_periodically())

    async def disconnect(self, code):
        sockets.closed(self)
        if self.recheck_task is not None:
            self.recheck_task.cancel()
        await self.leave_groups()

    async def leave_groups(self):
        for group in self.groups_joined:
            with contextlib.suppress(Exception):  # the layer may be down; nothing to release
                await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is ignored."""

    language = None  # set by consumers whose user reads a language of their own

    async def fragment(self, event):
        translations = event.get("translations") or {}
        await self.send(text_data=translations.get(self.language, event["html"]))

    async def access_changed(self, event):
        session = self.scope.get("session")
        ended = event.get("ended_session")
        if ended and session is not None and session.session_key == ended:
            await self.end_access()
            return
        await self.recheck()

    async def recheck(self):
        """Read the session and the user afresh (a logged-out session or an inactive user gives
        an anonymous one) and close unless every group joined is still allowed."""
        if not self.groups_joined:
            return
        user = await get_user(self.scope)
        allowed = set()
        if user.is_authenticated:
            allowed = set(await database_sync_to_async(self.permitted_groups)(user))
        if not allowed or not set(self.groups_joined[:-1]) <= allowed:
            await self.end_access()

    async def recheck_periodically(self):
        with contextlib.suppress(asyncio.CancelledError):
            while self.groups_joined:
                await asyncio.sleep(settings.WEBSOCKET_RECHECK_SECONDS)
                await self.recheck()

    async def end_access(self):
        await self.leave_groups()
        await self.close(code=FORBIDDEN)

    def permitted_groups(self, user):
        """The allowed groups, none while the user owes a second factor (watchline.security)."""
        user = security.verified_from_session(user, self.scope["session"])
        if security.needs_second_factor(user):
            return []
        return self.allowed_groups(user)

    def allowed_groups(self, user):
        raise NotImplementedError


class DashboardConsumer(FragmentConsumer):
    """The operators' dashboard: every change on the JOC floor."""

    def allowed_groups(self, user):
        return [live.OPERATORS] if permissions.is_operator(user) else []


class CWGConsumer(FragmentConsumer):
    """A representative's portal: only their own CWG's group, named in the URL, and only while
    that CWG is approved (a suspended CWG's portal shows why over HTTP, not live)."""

    def allowed_groups(self, user):
        cwg_id = int(self.scope["url_route"]["kwargs"]["cwg_id"])
        rep = permissions.representative_of(user)
        if rep is None or rep.cwg_id != cwg_id or not rep.cwg.is_approved:
            return []
        self.language = rep.language
        return [live.cwg_group(cwg_id)]


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: closed with 4404 (the WebSocket's 404), never a server error."""

    async def connect(self):
        await self.close(code=4404)
