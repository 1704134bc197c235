"""A dependency down never gives a 500 (issue 19 item 4): with the cache (Redis) unreachable
reports are still accepted; with the database unreachable a static 503 page says when to try
again; /healthz leaves no channel behind; a live update that cannot be sent makes the open
pages resync instead of showing "Live" while missing it."""

import os
import socket

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import AsyncClient

from reports.models import Report
from tests import factories
from tests.joc.test_consumers import headers
from tests.reports.test_views import NEW, form_data
from watchline import live
from watchline.asgi import application


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_unreachable(settings):
    """Cache and channel layer pointed at a port where nothing listens (a Redis that died)."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url]},
        }
    }
    return url


@pytest.mark.django_db
def test_with_redis_down_a_report_is_accepted_and_the_outage_logged(
    rep_client, redis_unreachable, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(NEW, form_data())
    assert response.status_code == 302
    assert Report.objects.count() == 1
    assert "rate limit report not counted, the cache failed" in caplog.text
    assert "live update to" in caplog.text


def _close(connection):
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()


@pytest.fixture
def database_down(transactional_db):
    """The default database pointed somewhere it cannot be reached, then restored (with its
    pool, on PostgreSQL: a pool opened before would keep serving the reachable database)."""
    _close(connection)
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-watchline-dir/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        if "pool" in connection.settings_dict["OPTIONS"]:  # a request waits this long for it
            pool = connection.settings_dict["OPTIONS"]["pool"]
            connection.settings_dict["OPTIONS"] = {
                **connection.settings_dict["OPTIONS"],
                "pool": {**pool, "timeout": 1.0},
            }
    yield
    _close(connection)
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.fixture
def rep_cookie(transactional_db):
    return dict(headers(factories.RepresentativeFactory().user))[b"cookie"].decode()


def test_with_the_database_down_pages_and_reports_get_a_static_503(
    client, rep_cookie, database_down, caplog
):
    client.cookies.load(rep_cookie)
    for response in (
        client.get(NEW),
        client.post(NEW, {"description": "Fire", "client_token": "x"}),
        client.get("/joc/"),
    ):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        assert "send it again in a minute" in response.content.decode()
    assert "Traceback" not in caplog.text


def test_healthz_leaves_no_channel_subscribed():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: the pub/sub layer's subscriptions are what leaked")
    import redis

    from watchline.settings import CHANNEL_LAYERS

    prefix = CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    server = redis.Redis.from_url(os.environ["REDIS_URL"])

    async def run():
        browser = AsyncClient()
        for _ in range(5):
            assert (await browser.get("/healthz")).status_code in (200, 503)
        return server.pubsub_channels(f"{prefix}roundtrip.*")

    assert async_to_sync(run)() == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_live_update_closes_the_open_sockets_so_they_resync(settings):
    operator_headers = headers(factories.OperatorFactory())

    async def run():
        communicator = WebsocketCommunicator(
            application, "/ws/dashboard/", headers=operator_headers
        )
        assert (await communicator.connect())[0]
        url = f"redis://127.0.0.1:{closed_port()}/0"
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [url]},
            }
        }
        from asgiref.sync import sync_to_async

        await sync_to_async(live.send_now)(live.OPERATORS, "<div>lost</div>")
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4012}

    async_to_sync(run)()


def test_a_database_failure_outside_a_view_gets_the_static_503_not_the_500_page(rf):
    """A failure the middleware cannot catch (a session saved after the view) reaches the 500
    handler, whose own page needs the database: it answers the static 503 page instead."""
    from django.db import OperationalError

    from watchline import views

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = views.server_error(rf.get("/reports/new/"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"send it again in a minute" in response.content
