"""The deployment shape the benchmark runs against, started and stopped by the harness:
a dedicated PostgreSQL database, Redis (its own database number and channel prefix), and two
Daphne processes with DEBUG off sharing the channel layer. Everything listens on 127.0.0.1."""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = f"watchline_bench_{os.getpid()}"  # runs at the same time do not collide
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(url, probe):
    try:
        probe(url)
        return True
    except Exception:
        return False


@contextmanager
def redis_server():
    """Redis at BENCH_REDIS_URL if it answers, else a private redis-server on a free port."""
    if reachable(REDIS_URL, lambda u: redis.Redis.from_url(u, socket_timeout=2).ping()):
        yield REDIS_URL
        return
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        wait_for(lambda: redis.Redis.from_url(url).ping(), "redis-server")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def postgres_server():
    """PostgreSQL at BENCH_PG_URL if it answers, else a private cluster in a temporary directory
    (initdb + pg_ctl; PostgreSQL refuses to run as root, so there it runs as user postgres)."""
    if reachable(PG_ADMIN_URL, lambda u: psycopg.connect(u, connect_timeout=2).close()):
        yield PG_ADMIN_URL
        return
    data = Path(tempfile.mkdtemp(prefix="watchline-bench-pg-"))
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        [*as_user, "initdb", "-D", str(data), "-U", "postgres", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ctl = [*as_user, "pg_ctl", "-D", str(data), "-w", "-o", f"-p {port} -k {data} -h 127.0.0.1"]
    subprocess.run([*ctl, "-l", str(data / "log"), "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "fast", "stop"], stdout=subprocess.DEVNULL)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def bench_database(admin_url):
    """A fresh database for this run, dropped afterwards."""

    def admin(sql):
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB_NAME}")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    finally:
        admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def environment(database_url, redis_url, ports):
    """Production settings (DEBUG off), plain HTTP on 127.0.0.1."""
    origins = ",".join(f"http://127.0.0.1:{p}" for p in ports)
    return {
        **os.environ,
        # The product's settings plus the bench's baseline view (bench/settings.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SECURE_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": origins,
        # Static files as production serves them: collected, hashed, precompressed (WhiteNoise).
        "STATIC_MANIFEST": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": f"bench{os.getpid()}",
        "LOG_LEVEL": "WARNING",
    }


def manage(env, *args):
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def wait_for(check, what, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up in {timeout} s")
        time.sleep(0.2)


@contextmanager
def daphnes(env, ports, logdir):
    """Two Daphne processes (one per port, logs in `logdir`); yields their pids."""
    daphne = str(Path(PY).with_name("daphne"))
    logs = [Path(logdir) / f"daphne-{port}.log" for port in ports]
    procs = [
        subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(port), "watchline.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for port in ports:
            url = f"http://127.0.0.1:{port}/livez"
            wait_for(lambda u=url: httpx.get(u).status_code == 200, f"daphne on {port}", 90)
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.terminate()
        for p, log in zip(procs, logs, strict=True):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            summarise_errors(p.pid, log.read_text())


def summarise_errors(pid, log):
    """Print how many times each exception ended a traceback in a server's log."""
    if "Traceback" not in log:
        return
    ends = Counter(re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .*$", log, re.MULTILINE))
    print(f"daphne {pid}: {log.count('Traceback')} tracebacks", file=sys.stderr)
    for line, count in ends.most_common(5):
        print(f"  {count} x {line[:200]}", file=sys.stderr)


def cpu_seconds(pids):
    """User + system CPU seconds used so far by the processes `pids` (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def analyze(database_url):
    """Fresh statistics for the planner (autovacuum may be off, and the load is new)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def forget_rows(redis_url):
    """Empty the dashboard's row cache (joc/rows.py keys) in the bench's Redis database."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match="*:row:*", count=1000):
        client.delete(key)


def rss_mb(pid):
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None
