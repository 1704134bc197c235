"""Three faults under a steady load of reports (issue 19): Redis killed, PostgreSQL stopped and
started again, one of two server processes killed. Each must end with every report stored
exactly once, no 500 shown to a sender, and every dashboard showing every report's incident.

The services are the tests' own (a redis-server and a PostgreSQL cluster on spare ports, two
Daphne processes), so killing them disturbs nothing else. They run in the PostgreSQL + Redis
pass (as CI does) and skip with a reason on SQLite; in CI a missing tool fails them."""

import asyncio
import os
import tempfile
import time
import uuid

import pytest
from django.db import connection

from tests.faults import harness

pytestmark = [pytest.mark.faults]
REPORTS = 24
RATE = 3.0  # reports a second: about 8 s of load around each fault


@pytest.fixture(scope="module")
def deployment():
    if connection.vendor != "postgresql":
        pytest.skip("fault tests run in the PostgreSQL + Redis pass (DATABASE_URL=postgres://)")
    missing = harness.missing_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"fault tests cannot run in CI: missing {missing}")
        pytest.skip(f"fault tests need {missing}")
    workdir = tempfile.TemporaryDirectory(prefix="watchline-faults-")
    redis_server, pg = harness.Redis(), harness.Postgres()
    redis_server.start()
    pg.create()
    try:
        ports_env = harness.environment(pg, redis_server, [], f"faults{uuid.uuid4().hex[:8]}")
        state = harness.prepare(ports_env, f"{workdir.name}/state.json")
        yield {"redis": redis_server, "pg": pg, "state": state, "dir": workdir.name}
    finally:
        redis_server.stop()
        pg.destroy()
        workdir.cleanup()


@pytest.fixture
def servers(deployment):
    probe = harness.Servers({}, 2, deployment["dir"])
    env = harness.environment(
        deployment["pg"], deployment["redis"], probe.ports, f"faults{uuid.uuid4().hex[:8]}"
    )
    running = harness.Servers(env, 2, deployment["dir"])
    running.ports = probe.ports
    running.start()
    yield running
    running.stop()


def outcome(deployment, phones, boards, label):
    """Every report stored once, no 500 seen, every dashboard showing every report's incident."""
    rows = deployment["pg"].query(
        "SELECT description, count(*), min(incident_id) FROM reports_report "
        "WHERE description LIKE %s GROUP BY description",
        f"{label} report %",
    )
    stored = {description: (count, incident) for description, count, incident in rows}
    sent = {phone.description for phone in phones}
    assert all(phone.reference for phone in phones), [p.statuses for p in phones if not p.reference]
    assert set(stored) == sent, f"lost: {sent - set(stored)}"
    assert all(count == 1 for count, _ in stored.values()), "a report was stored twice"
    shown_500 = [s for phone in phones for s in phone.statuses if s >= 500 and s != 503]
    assert shown_500 == [], f"senders saw {shown_500}"
    incidents = {incident for _, incident in stored.values()}
    for board in boards:
        assert incidents <= board.shown, f"a dashboard misses {incidents - board.shown}"
    return {
        "statuses": sorted({s for phone in phones for s in phone.statuses}),
        "reconnects": [board.reconnects for board in boards],
    }


def test_redis_killed_reports_are_accepted_and_dashboards_resync(deployment, servers):
    redis_server = deployment["redis"]

    def fault():
        time.sleep(2)
        redis_server.kill()
        time.sleep(4)  # reports keep coming in meanwhile
        redis_server.start()

    phones, boards = asyncio.run(
        harness.run_load(deployment["state"], servers.ports, "redis", REPORTS, RATE, fault)
    )
    seen = outcome(deployment, phones, boards, "redis")
    assert all(reconnects >= 1 for reconnects in seen["reconnects"])  # told to resync
    assert "rate limit report not counted" in servers.log()


def test_postgres_stopped_senders_get_503_and_resend(deployment, servers):
    pg = deployment["pg"]

    def fault():
        time.sleep(2)
        pg.stop()
        time.sleep(4)
        pg.start()

    phones, boards = asyncio.run(
        harness.run_load(deployment["state"], servers.ports, "postgres", REPORTS, RATE, fault)
    )
    seen = outcome(deployment, phones, boards, "postgres")
    assert 503 in seen["statuses"]  # the static page, not a 500, while it was down


def test_one_server_killed_the_other_takes_over(deployment, servers):
    def fault():
        time.sleep(3)
        servers.kill(0)

    phones, boards = asyncio.run(
        harness.run_load(deployment["state"], servers.ports, "server", REPORTS, RATE, fault)
    )
    seen = outcome(deployment, phones, boards, "server")
    assert seen["reconnects"][0] >= 1  # the dashboard on the killed server moved over
