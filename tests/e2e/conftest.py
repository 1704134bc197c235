"""Browser journeys: Playwright driving Debian's Chromium against a live Daphne server (HTTP and
WebSockets) that runs in a forked process on the test database."""

import email
import os

import pytest
from asgiref.sync import SyncToAsync
from django.test import override_settings

from tests import factories
from tests.conftest import CHROMIUM, chromium_available
from tests.e2e.servers import start_live_server

IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"


def _reset_asgiref_executor():
    # The executor inherited across a fork may hold a dead thread's lock.
    SyncToAsync.single_thread_executor = type(SyncToAsync.single_thread_executor)(max_workers=1)


os.register_at_fork(after_in_child=_reset_asgiref_executor)


@pytest.fixture(scope="session", autouse=True)
def _browser_session():
    """Runs before every other session fixture of the browser tests."""
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing in CI ({CHROMIUM}): .ci/run must install it")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    # Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are
    # synchronous and safe here. Browser tests run last, so no other test runs in this state.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def live_server_process(django_db_setup, django_db_blocker, mail_dir):
    """One Daphne process for the whole browser session, on the test database. It writes the
    emails it sends to files in `mail_dir`, so tests can read them (see `sent_emails`)."""
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    # Tasks (e.g. emails) run inside the server's request: no worker runs beside it.
    override_settings(TASKS={"default": {"BACKEND": IMMEDIATE_TASKS}}).enable()
    if "localhost" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "127.0.0.1"]
    with django_db_blocker.unblock():
        process = start_live_server()
    yield f"http://localhost:{process.port.value}"
    process.terminate()
    process.join(timeout=10)


@pytest.fixture
def live_url(live_server_process, transactional_db):
    """The live server's base URL, with a database that starts each test as migrations left it
    (see tests/conftest.py: reference data is restored for every transactional test)."""
    return live_server_process


@pytest.fixture
def login(live_url):
    """Log a Playwright page in through the real login form."""

    def do_login(page, username, password=factories.PASSWORD):
        page.goto(f"{live_url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return do_login


@pytest.fixture
def sent_emails(live_url, mail_dir):
    """The emails the live server has sent since this test began, as email.message objects."""
    for old in mail_dir.iterdir():
        old.unlink()

    def read():
        messages = []
        for path in sorted(mail_dir.iterdir(), key=lambda p: p.stat().st_mtime):
            chunks = path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
            messages += [email.message_from_bytes(c) for c in chunks if c.strip()]
        return messages

    return read
