"""The live sockets open in this server process, so they can be told to resync.

A live update that cannot be delivered (the channel layer, Redis, is down) must not leave a
dashboard saying "Live" while it misses a report. Every socket this process holds is closed
with 4012 when this process fails to publish, and when a periodic round trip
through the channel layer fails (another process's publish failed, or Redis went away): the
page's WebSocket reconnects and reloads its state over HTTP (static/js/watchline.js), and says
"Offline" until it can."""

import asyncio
import contextlib
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# Daphne sends only 1000 or 3000-4999: static/js/watchline.js reconnects after this one.
RESYNC = 4012
_open = {}  # consumer -> its event loop
_watchdogs = {}  # event loop -> its watchdog task


def opened(consumer):
    loop = asyncio.get_running_loop()
    _open[consumer] = loop
    if loop not in _watchdogs and _needs_watchdog():
        _watchdogs[loop] = loop.create_task(_watch(loop))


def closed(consumer):
    loop = _open.pop(consumer, None)
    if loop is not None and loop not in _open.values():
        task = _watchdogs.pop(loop, None)
        if task is not None:
            task.cancel()


def resync_all(reason):
    """Close every socket of this process (from any thread): each page reconnects and resyncs."""
    sockets = list(_open.items())
    if sockets:
        logger.warning("closing %d live sockets to resync: %s", len(sockets), reason)
    for consumer, loop in sockets:
        _open.pop(consumer, None)
        with contextlib.suppress(RuntimeError):  # the loop has ended
            closing = asyncio.run_coroutine_threadsafe(consumer.close(code=RESYNC), loop)
            closing.add_done_callback(_log_failure)


def _log_failure(future):
    if not future.cancelled() and future.exception() is not None:
        logger.warning("a live socket could not be closed: %r", future.exception())


def _needs_watchdog():
    from watchline import live

    return settings.LIVE_CHECK_SECONDS > 0 and live.layer_is_shared()


async def _watch(loop):
    from watchline import live

    while True:
        await asyncio.sleep(settings.LIVE_CHECK_SECONDS)
        try:
            await live.round_trip(timeout=settings.LIVE_CHECK_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as failed:
            resync_all(f"channel layer round trip failed: {failed!r}")
