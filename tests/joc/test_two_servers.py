"""With REDIS_URL set, a change made through one server process reaches a dashboard connected to
another: two real Daphne processes on the test database, sharing Redis."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.sync.client import connect

from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


@pytest.fixture
def two_servers(postgres_only):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "watchline.asgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 30
        for port in ports:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/livez").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("the Daphne processes did not start")
                time.sleep(0.2)
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def test_a_change_through_one_process_reaches_a_dashboard_on_the_other(two_servers):
    watching, acting = factories.OperatorFactory(), factories.OperatorFactory()
    incident = factories.IncidentFactory()
    sessions = []
    for user in (watching, acting):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    first, second = two_servers

    with connect(
        f"ws://{first}/ws/dashboard/",
        additional_headers={"Cookie": f"sessionid={sessions[0]}", "Origin": f"http://{first}"},
        open_timeout=10,
    ) as dashboard:
        csrf = "c" * 32
        response = httpx.post(
            f"http://{second}/joc/incidents/{incident.pk}/acknowledge/",
            data={"version": 1},
            headers={"X-CSRFToken": csrf, "HX-Request": "true"},
            cookies={"sessionid": sessions[1], "csrftoken": csrf},
        )
        assert response.status_code == 200
        html = dashboard.recv(timeout=10)
    assert 'id="queue-signal"' in html
    assert f'data-incident="{incident.pk}"' in html
