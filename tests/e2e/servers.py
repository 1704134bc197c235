"""The live servers the browser tests talk to."""

from functools import partial

from channels.testing.live import make_application, set_database_connection
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections


def start_live_server():
    """A Daphne process forked from this one, serving the test database."""
    # The fork would share this process's open connections (and PostgreSQL's pool) with the
    # server: both would talk over the same sockets. Close them; each side opens its own.
    for connection in connections.all():
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    process = DaphneProcess(
        "localhost",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=set_database_connection,
    )
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("the live Daphne server did not start")
    return process
