"""The deployment the fault tests break: a private redis-server and a private PostgreSQL
cluster on spare ports (so the tests may kill and stop them), the schema migrated and a few
CWGs, representatives and operators seeded (bench.seed), and Daphne processes with DEBUG off.
Plus the load: phones that resend each report with its client token until it is accepted, and
dashboards that reconnect and resync over HTTP as the page's JavaScript does."""

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import redis
import websockets

from bench import deploy, load

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
INCIDENT = re.compile(r"incident-(\d+)")
ROOT = deploy.ROOT


def missing_tools():
    """What these tests need that the machine lacks ([] when they can run)."""
    needed = [PG_BIN / "initdb", PG_BIN / "pg_ctl", shutil.which("redis-server")]
    return [str(tool) for tool in needed if not tool or not Path(tool).exists()]


class Redis:
    def __init__(self):
        self.port = deploy.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        deploy.wait_for(lambda: redis.Redis.from_url(self.url).ping(), "redis-server")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill()


class Postgres:
    """A cluster in a temporary directory; as root it runs as the `postgres` user (PostgreSQL
    refuses root)."""

    def __init__(self):
        self.data = Path(tempfile.mkdtemp(prefix="watchline-faults-pg-"))
        self.port = deploy.free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.data, "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/watchline_faults"

    def _ctl(self, *args):
        subprocess.run(
            [
                *self.as_user,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-o",
                f"-p {self.port} -k {self.data} -h 127.0.0.1",
                *args,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def create(self):
        subprocess.run(
            [*self.as_user, str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
            + ["-A", "trust"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.start()
        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE watchline_faults")

    def start(self):
        self._ctl("-l", str(self.data / "log"), "start")

    def stop(self):
        self._ctl("-m", "fast", "stop")

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def query(self, sql, *params):
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()


class Servers:
    """Daphne processes on spare ports; `kill(i)` ends one as a crash would (SIGKILL)."""

    def __init__(self, env, count, logdir):
        self.env, self.logdir = env, Path(logdir)
        self.ports = [deploy.free_port() for _ in range(count)]
        self.procs = {}

    def start(self):
        daphne = str(Path(deploy.PY).with_name("daphne"))
        for port in self.ports:
            self.procs[port] = subprocess.Popen(
                [daphne, "-b", "127.0.0.1", "-p", str(port), "watchline.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=(self.logdir / f"daphne-{port}.log").open("w"),
            )
        for port in self.ports:
            url = f"http://127.0.0.1:{port}/livez"
            deploy.wait_for(lambda u=url: httpx.get(u).status_code == 200, f"daphne {port}", 90)

    def kill(self, index):
        proc = self.procs[self.ports[index]]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log(self):
        return "".join(p.read_text() for p in self.logdir.glob("daphne-*.log"))


SECRET_KEY = f"faults-{os.getpid()}-not-secret"  # the seeded sessions are signed with it


def environment(pg, redis_server, ports, prefix):
    env = deploy.environment(pg.url, redis_server.url, ports)
    env.update(
        SECRET_KEY=SECRET_KEY,
        CHANNEL_PREFIX=prefix,
        REPORT_RATE_LIMIT="1000/m",
        LIVE_CHECK_SECONDS="1",
        TASKS_IMMEDIATE="1",
        LOG_LEVEL="WARNING",
        # Pages link static files by plain names: nothing here is collected for a manifest.
        STATIC_MANIFEST="0",
    )
    return env


def prepare(env, state_file):
    deploy.manage(env, "migrate", "--no-input")
    subprocess.run(
        [deploy.PY, "-m", "bench.seed", "--incidents=1", "--reports=1", "--cwgs=4"]
        + ["--operators=2", f"--out={state_file}"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(Path(state_file).read_text())


# --- The load ---------------------------------------------------------------------------------


class Phone:
    """One report from one representative: the form fetched once (its client token fixed),
    then POSTed until the server says it is stored, moving to the other server on a refused
    connection (as a load balancer would). Records every status it was shown."""

    def __init__(self, session_key, description, ports):
        self.session_key, self.description, self.ports = session_key, description, ports
        self.statuses, self.reference = [], None

    async def send(self, deadline):
        attempt = 0
        data = action = None
        async with load.client(self.session_key) as http:
            while time.monotonic() < deadline:
                base = f"http://127.0.0.1:{self.ports[attempt % len(self.ports)]}"
                attempt += 1
                try:
                    if data is None:
                        page = await http.get(base + "/reports/new/")
                        self.statuses.append(page.status_code)
                        if page.status_code != 200:
                            await asyncio.sleep(0.5)
                            continue
                        action, data = load.report_form(page.text, self.description)
                    response = await http.post(
                        base + (action or "/reports/new/"),
                        data=data,
                        headers={"Referer": base + "/reports/new/"},
                    )
                except httpx.TransportError:
                    await asyncio.sleep(0.3)
                    continue
                self.statuses.append(response.status_code)
                if response.status_code == 302:
                    found = load.REFERENCE.search(response.headers["location"])
                    self.reference = found.group(0) if found else "?"
                    return
                await asyncio.sleep(0.5)


class Dashboard:
    """An operator's dashboard: a socket that reconnects (to either server) whenever it is
    closed, and reloads the queue over HTTP each time it (re)opens, like static/js."""

    def __init__(self, session_key, ports, first):
        self.session_key, self.ports, self.index = session_key, ports, first
        self.shown, self.reconnects, self.task = set(), 0, None

    def start(self):
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            port = self.ports[self.index % len(self.ports)]
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/dashboard/",
                    origin=f"http://127.0.0.1:{port}",
                    additional_headers={"Cookie": f"sessionid={self.session_key}"},
                    open_timeout=5,
                ) as socket:
                    await self._resync(port)
                    async for message in socket:
                        self.shown.update(int(pk) for pk in INCIDENT.findall(message))
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
            self.reconnects += 1
            self.index += 1
            await asyncio.sleep(0.3)

    async def _resync(self, port):
        async with load.client(self.session_key) as http:
            page = await http.get(f"http://127.0.0.1:{port}/joc/", headers={"HX-Request": "true"})
            page.raise_for_status()
            self.shown.update(int(pk) for pk in INCIDENT.findall(page.text))

    async def stop(self):
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def run_load(state, ports, label, count, rate, fault, settle=8.0, budget=45.0):
    """Send `count` reports at `rate` per second while `fault()` (blocking, run in a thread)
    breaks something; returns the phones and the dashboards once every phone is done and the
    dashboards had `settle` seconds to catch up."""
    boards = [Dashboard(key, ports, i) for i, key in enumerate(state["operators"])]
    for board in boards:
        board.start()
    await asyncio.sleep(2)
    deadline = time.monotonic() + budget
    reps = state["representatives"]
    phones = [Phone(reps[i % len(reps)], f"{label} report {i}", ports) for i in range(count)]
    sending = []
    breaking = asyncio.create_task(asyncio.to_thread(fault))
    for i, phone in enumerate(phones):
        sending.append(asyncio.create_task(phone.send(deadline)))
        if i < count - 1:
            await asyncio.sleep(1 / rate)
    await asyncio.gather(*sending)
    await breaking
    await asyncio.sleep(settle)
    for board in boards:
        await board.stop()
    return phones, boards
