"""The WhatsApp line under load: signed deliveries to the webhook at a steady rate (answer time,
and every message stored once: none lost, none duplicated, with every tenth delivery sent twice
as Meta's redeliveries are), and the time from a signed POST to the incident's fragment on an
operator's dashboard, processed by one task worker. The stand-in Graph API (in this process)
answers the line's replies."""

import asyncio
import itertools
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import deploy
from bench.load import Dashboard, percentiles
from reports.whatsapp import standin as wa
from reports.whatsapp.signature import sign

PHONE_NUMBER_ID = "100000000000001"
SECRET = "bench-app-secret"
TOKEN = "bench-token"
# (deliveries per second, seconds) of the webhook run and of the dashboard run, by scale.
RATES = {"full": ((50, 20), (2, 30)), "quick": ((50, 4), (2, 5))}
WORKER_INTERVAL = 0.2  # seconds the idle task worker waits before looking again


@contextmanager
def standin():
    server = wa.StandIn(
        token=TOKEN, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET, statuses=False
    ).start()
    try:
        yield server
    finally:
        server.stop()


def environment(api_url):
    """What the servers and the worker need for the line (added to deploy.environment)."""
    return {
        "WHATSAPP_API_URL": api_url,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_VERIFY_TOKEN": "bench-verify",
        "WHATSAPP_RATE_LIMIT": "1000/m",
    }


@contextmanager
def worker(env, logdir):
    """One task worker (manage.py db_worker)."""
    log = Path(logdir) / "worker.log"
    proc = subprocess.Popen(
        [deploy.PY, "manage.py", "db_worker", "--interval", str(WORKER_INTERVAL)],
        cwd=deploy.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        deploy.summarise_errors(proc.pid, log.read_text())


def phones(cwgs):
    """The seeded representatives' numbers as WhatsApp gives them (bench.seed)."""
    return [f"2782{i + 1:07d}" for i in range(2 * cwgs)]


def signed(*messages):
    raw = wa.encode(wa.envelope(wa.value(PHONE_NUMBER_ID, list(messages))))
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, SECRET)}


async def steady(servers, bodies, rate, label):
    """POST each (raw, headers) at `rate` per second; returns (latencies, errors, posted_at)."""
    latencies, errors, posted = [], [], {}
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(i, raw, headers):
            start = time.monotonic()
            posted[i] = start
            try:
                response = await http.post(
                    servers.next() + "/whatsapp/webhook/", content=raw, headers=headers
                )
                if response.status_code == 200:
                    latencies.append(time.monotonic() - start)
                else:
                    errors.append(f"{label}: HTTP {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{label}: {type(exc).__name__}: {exc}"[:200])

        start = time.monotonic()
        tasks = []
        for i, (raw, headers) in enumerate(bodies):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(i, raw, headers)))
        await asyncio.gather(*tasks)
    return latencies, errors, posted


def counts(database_url, wamids):
    """What the line stored for these message ids, once the worker has drained the queue."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM whatsapp_delivery WHERE processed_at IS NULL"
        ).fetchone()[0]
        stored, opened, joined = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE outcome = 'report'),"
            " count(*) FILTER (WHERE outcome = 'follow_up')"
            " FROM whatsapp_inboundmessage WHERE wamid = ANY(%s)",
            [list(wamids)],
        ).fetchone()
        reports = conn.execute(
            "SELECT count(*) FROM reports_report r JOIN whatsapp_inboundmessage m"
            " ON m.report_id = r.id AND m.outcome = 'report' WHERE m.wamid = ANY(%s)",
            [list(wamids)],
        ).fetchone()[0]
        follow_ups = conn.execute(
            "SELECT count(*) FROM reports_reportupdate WHERE kind = 'follow_up'"
            " AND text LIKE 'bench-wa %%'"
        ).fetchone()[0]
    return {
        "waiting": waiting,
        "stored": stored,
        "opened": opened,
        "joined": joined,
        "reports": reports,
        "follow_ups": follow_ups,
    }


async def drain(database_url, wamids, seconds=600):
    """Wait for the worker to process every stored delivery (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        found = counts(database_url, wamids)
        if found["waiting"] == 0 or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def webhook_run(servers, scale_name, cwgs, database_url):
    rate, seconds = RATES[scale_name][0]
    numbers = itertools.cycle(phones(cwgs)[:cwgs])  # the other half is the dashboard run's
    bodies, wamids = [], set()
    for i in range(int(rate * seconds)):
        message = wa.text_message(next(numbers), f"bench-wa {i}")
        wamids.add(message["id"])
        body = signed(message)
        bodies.append(body)
        if i % 10 == 9:  # Meta's redelivery of the same POST
            bodies.append(body)
    started = time.monotonic()
    latencies, errors, _ = await steady(servers, bodies, rate, "webhook")
    elapsed = time.monotonic() - started
    found = await drain(database_url, wamids)
    handled = found["opened"] + found["joined"]
    return {
        "rate": rate,
        "seconds": seconds,
        "posted": len(bodies),
        "achieved_rate": len(bodies) / elapsed,
        "unique_messages": len(wamids),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency_ms": percentiles(latencies),
        **found,
        # Lost: a message whose delivery was processed but which is not stored.
        "lost": len(wamids) - found["stored"] if found["waiting"] == 0 else None,
        "duplicated": (found["reports"] + found["follow_ups"]) - handled,
        "processed_in_s": time.monotonic() - started,
    }


async def dashboard_run(servers, scale_name, cwgs, operator_session, database_url):
    """Location messages, each from a representative with no open report on the line (so each
    opens an incident), at a gentle rate; time from POST to the row on one dashboard."""
    rate, seconds = RATES[scale_name][1]
    board = Dashboard(servers.ports[0], operator_session)
    await board.open()
    numbers = phones(cwgs)[cwgs:]  # none has a report open on the line
    bodies, wamids = [], []
    for i in range(min(int(rate * seconds), len(numbers))):
        message = wa.location_message(numbers[i], -33.9 - i * 0.01, 18.4, f"bench-wa-place-{i}")
        wamids.append(message["id"])
        bodies.append(signed(message))
    _, errors, posted = await steady(servers, bodies, rate, "dashboard")
    await drain(database_url, wamids, seconds=60)
    await asyncio.sleep(2)
    await board.close()
    references = reference_of(database_url, wamids)
    delays = [
        board.arrivals[references[w]] - posted[i]
        for i, w in enumerate(wamids)
        if w in references and references[w] in board.arrivals
    ]
    return {
        "rate": rate,
        "seconds": seconds,
        "posted": len(bodies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "misses": len(bodies) - len(delays),
        "latency_ms": percentiles(delays),
        "worker_interval_s": WORKER_INTERVAL,
    }


async def measure(servers, scale_name, cwgs, operator_session, database_url):
    return {
        "webhook": await webhook_run(servers, scale_name, cwgs, database_url),
        "dashboard": await dashboard_run(servers, scale_name, cwgs, operator_session, database_url),
    }


def reference_of(database_url, wamids):
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT m.wamid, r.reference FROM whatsapp_inboundmessage m"
            " JOIN reports_report r ON r.id = m.report_id WHERE m.wamid = ANY(%s)",
            [list(wamids)],
        ).fetchall()
    return dict(rows)
