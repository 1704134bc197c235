"""On PostgreSQL, requests and the consumers' database calls borrow connections from the
process's pool and give them back (Django closes them after each request and around each
database_sync_to_async call, which with a pool returns them)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def test_consumer_calls_and_requests_reuse_the_pools_connections(client):
    if not is_postgres():
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    pool = connection.pool
    assert pool is not None

    async def run():
        for _ in range(30):
            await database_sync_to_async(User.objects.count)()

    async_to_sync(run)()
    for _ in range(10):
        assert client.get("/healthz").status_code == 200
    stats = pool.get_stats()
    # 30 calls in threads and 10 requests: never more connections than the pool's size.
    assert stats["connections_num"] <= settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    assert stats.get("requests_num", 0) >= 30
