"""`make bench` / `make bench-quick` / `make soak`: start the deployment shape, load the data,
drive the load, print the table and write bench/results/<date>-<git sha>.json.

    python -m bench.run --scale full|quick [--soak SECONDS]
"""

import argparse
import asyncio
import datetime
import json
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import deploy, load, pageweight, photos, whatsapp
from bench.load import Servers, bounded, client, get_ok, percentiles

FORM_PATH = "/reports/new/"
MINIMAL_PATH = "/bench/minimal-intake/"  # bench/views.py, served only with bench.settings
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Scale:
    incidents: int
    reports: int
    cwgs: int  # two representatives each
    operators: int  # one dashboard each in the push run
    trivial_requests: int
    intake_reports: int
    concurrency: int
    page_requests: int
    push_rate: float  # reports per second offered in the overload run
    push_seconds: float
    phase_seconds: float  # the deadline of every bounded load loop
    push_steps: tuple  # steady rates (reports/s) tried in turn to find the knee
    step_seconds: float


SCALES = {
    "full": Scale(10_000, 50_000, 300, 100, 5000, 1000, 24, 200, 20, 60, 120, (4, 8, 12, 16), 20),
    "quick": Scale(300, 1200, 30, 20, 400, 60, 16, 8, 8, 5, 5, (2, 4), 3),
}


class Cpu:
    """The server processes' CPU time, from /proc: `since()` is the seconds used since the
    last call."""

    def __init__(self, pids):
        self.pids, self.mark = pids, deploy.cpu_seconds(pids)

    def now(self):
        return deploy.cpu_seconds(self.pids)

    def since(self):
        now = self.now()
        used, self.mark = now - self.mark, now
        return used


async def trivial(servers, scale, cpu):
    cpu.since()
    ok, errors, elapsed = await bounded(
        lambda i, http: get_ok(http, servers.next() + "/livez"),
        scale.trivial_requests,
        scale.concurrency,
        scale.phase_seconds,
    )
    return {
        "requests": len(ok),
        "errors": len(errors),
        "rate": len(ok) / elapsed,
        "cpu_ms": 1000 * cpu.since() / max(1, len(ok)),
        "latency_ms": percentiles(ok),
    }


async def intake(servers, scale, rep_sessions, database_url, cpu, path=FORM_PATH, label="intake"):
    """Reports through a form at `path`, one representative session each in turn, each worker
    reusing one client; every tenth submission is posted twice with the same client token (a
    phone retrying). Meanwhile the servers' PostgreSQL sessions are sampled: how many run, how
    many wait for a lock."""
    outcome = load.Outcome()

    async def submit(i, http):
        await load.submit_report(
            http,
            servers.next(),
            path,
            f"{label} {i}",
            retry_same_token=i % 10 == 0,
            outcome=outcome,
            session_key=rep_sessions[i % len(rep_sessions)],
        )

    stop = asyncio.Event()
    sampling = asyncio.create_task(database_sessions(database_url, stop))
    cpu.since()
    ok, errors, elapsed = await bounded(
        submit, scale.intake_reports, scale.concurrency, scale.phase_seconds
    )
    used = cpu.since()
    stop.set()
    active, waiting = await sampling
    rows, distinct = rows_stored(database_url, label)
    return {
        "submitted": len(ok),
        "errors": len(errors),
        "error_samples": errors[:5],
        "shed": outcome.shed,
        "timeouts": outcome.timeouts,
        "rate": len(ok) / elapsed,
        "cpu_ms": 1000 * used / max(1, len(ok)),
        "latency_ms": percentiles(ok),
        "db_sessions_active": active,
        "db_sessions_waiting_for_lock": waiting,
        "rows": rows,
        "distinct": distinct,
    }


async def database_sessions(database_url, stop):
    """Sample the bench database's sessions every 0.2 s until `stop`: the mean numbers of
    active ones and of those waiting for a lock (e.g. for another transaction's row)."""
    import psycopg

    active, waiting = [], []
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        while not stop.is_set():
            cursor = await conn.execute(
                "SELECT count(*) FILTER (WHERE state = 'active'),"
                " count(*) FILTER (WHERE wait_event_type = 'Lock')"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            row = await cursor.fetchone()
            active.append(row[0])
            waiting.append(row[1])
            await asyncio.sleep(0.2)
    return sum(active) / max(1, len(active)), sum(waiting) / max(1, len(waiting))


async def page(servers, scale, operator_session, path, cpu, htmx=False, cold=None):
    """GET a page one request at a time per server (`htmx`: the partial an htmx request gets).
    `cold()`, if given, runs before each request, which are then made one at a time."""
    headers = {"HX-Request": "true"} if htmx else {}

    async def get(i, http):
        if cold:
            cold()
        await get_ok(http, servers.next() + path, headers=headers)

    cpu.since()
    ok, errors, _ = await bounded(
        get,
        scale.page_requests // 4 if cold else scale.page_requests,
        1 if cold else len(servers.ports),
        scale.phase_seconds,
        session_key=operator_session,
    )
    return {
        "errors": len(errors),
        "cpu_ms": 1000 * cpu.since() / max(1, len(ok)),
        "latency_ms": percentiles(ok),
    }


def rss(pids):
    return [round(deploy.rss_mb(pid), 1) for pid in pids]


async def push_run(servers, scale, state, pids, database_url, cpu):
    """Open one dashboard per operator, across both servers; push reports at each steady rate
    of `push_steps` in turn (the knee: the highest rate absorbed with the push in its goal),
    then offer `push_rate` for `push_seconds`, more than the servers absorb (the overload)."""
    memory = {"idle_mb": rss(pids)}
    boards = await load.open_dashboards(servers.ports, state["operators"])
    await asyncio.sleep(1)
    memory["dashboards_open_mb"] = rss(pids)
    reps = state["representatives"][::-1]
    steps = []
    for n, rate in enumerate(scale.push_steps):
        turn = n * len(reps) // (len(scale.push_steps) + 1)  # fresh senders: no rate limit
        phase(f"  {rate}/s for {scale.step_seconds:g} s")
        steps.append(
            await load.push(
                boards,
                servers,
                reps[turn:] + reps[:turn],
                FORM_PATH,
                rate,
                scale.step_seconds,
                label=f"step{rate}",
                cpu=cpu.now,
            )
        )
        await asyncio.sleep(2)
    phase(f"  overload: {scale.push_rate:g}/s for {scale.push_seconds:g} s")
    figures = await load.push(
        boards,
        servers,
        reps,
        FORM_PATH,
        scale.push_rate,
        scale.push_seconds,
        label="overload",
        in_flight=256,
        cpu=cpu.now,
    )
    figures["rows"], figures["distinct"] = rows_stored(database_url, "overload")
    await asyncio.sleep(3)
    memory["after_push_mb"] = rss(pids)
    await asyncio.gather(*(b.close() for b in boards))
    await asyncio.sleep(2)
    memory["dashboards_closed_mb"] = rss(pids)
    return steps, figures, memory


def rows_stored(database_url, prefix):
    """(rows, distinct descriptions) of the reports whose description starts with `prefix`."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*), count(DISTINCT description) FROM reports_report"
            " WHERE description LIKE %s",
            [prefix + " %"],
        ).fetchone()


async def form_available(servers, session):
    async with client(session) as http:
        return (await http.get(servers.next() + FORM_PATH)).status_code == 200


def phase(name):
    print(f"{time.strftime('%H:%M:%S')} {name} ...", flush=True)


async def measure(servers, scale, state, pids, database_url, env):
    phase("probe: query counts, triage and its EXPLAIN")
    probe = subprocess.run(
        [deploy.PY, "-m", "bench.probe", "--incident", str(state["incident"])],
        cwd=deploy.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    results = {"probe": json.loads(probe.stdout)}
    phase("photo decoding: peak memory of the worst upload mix")
    results["photos"] = photo_memory(env)
    cpu = Cpu(pids)
    phase("trivial view")
    results["trivial"] = await trivial(servers, scale, cpu)
    phase("dashboard and incident pages")
    operator = state["operators"][0]
    results["dashboard_cold"] = await page(
        servers, scale, operator, "/joc/", cpu, cold=lambda: deploy.forget_rows(env["REDIS_URL"])
    )
    results["dashboard_page"] = await page(servers, scale, operator, "/joc/", cpu)
    # What a dashboard fetches when its filters change or its socket reconnects (live events
    # carry the row itself).
    results["queue_reload"] = await page(servers, scale, operator, "/joc/", cpu, htmx=True)
    incident_path = f"/joc/incidents/{state['incident']}/"
    results["incident_page"] = await page(servers, scale, operator, incident_path, cpu)
    if not await form_available(servers, state["representatives"][0]):
        results["intake"] = results["push"] = {"skipped": f"no report form at {FORM_PATH}"}
        return results
    phase("the report form's first load on a phone")
    async with client(state["representatives"][0]) as http:
        results["report_form_weight"] = await pageweight.first_load(http, servers.next(), FORM_PATH)
    phase("minimal intake (the baseline view)")
    results["minimal_intake"] = await intake(
        servers, scale, state["representatives"], database_url, cpu, MINIMAL_PATH, "minimal"
    )
    phase("intake through the report form")
    results["intake"] = await intake(servers, scale, state["representatives"], database_url, cpu)
    phase(f"live push to {scale.operators} dashboards")
    results["push_steps"], results["push"], results["memory"] = await push_run(
        servers, scale, state, pids, database_url, cpu
    )
    return results


def photo_memory(env):
    """Peak RSS of a fresh process checking 3 x 5 photos of 7070 x 7070 at once (bench.photos)."""
    with tempfile.TemporaryDirectory(prefix="watchline-photos-") as directory:
        photos.make_files(directory)
        child = subprocess.run(
            [deploy.PY, "-m", "bench.photos", directory],
            cwd=deploy.ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(child.stdout)


async def soak(servers, scale, state, pids, seconds, minute=60.0):
    """Mixed load for `seconds`, one row per `minute`: reports pushed to 20 dashboards at 5/s,
    the dashboard page every second, the trivial view ten times a second."""
    boards = await load.open_dashboards(servers.ports, state["operators"][:20])
    minutes = []
    reps = state["representatives"]
    async with client(state["operators"][0]) as desk, client() as probe:
        for n in range(int(seconds // minute)):
            turn = n * int(5 * minute) % len(reps)  # fresh representatives: no rate limit hit
            pushed, pages, livez = await asyncio.gather(
                load.push(
                    boards,
                    servers,
                    reps[turn:] + reps[:turn],
                    FORM_PATH,
                    5,
                    minute,
                    label=f"soak{n}",
                ),
                steady(desk, servers, "/joc/", 1.0, minute),
                steady(probe, servers, "/livez", 0.1, minute),
            )
            errors = pushed["error_samples"] + pages[1] + livez[1]
            minutes.append(
                {
                    "minute": n + 1,
                    "errors": pushed["errors"] + len(pages[1]) + len(livez[1]),
                    "error_samples": errors[:5],
                    "misses": pushed["misses"],
                    "push_ms": pushed["latency_ms"],
                    "push_from_post_ms": pushed["from_post_ms"],
                    "dashboard_ms": percentiles(pages[0]),
                    "livez_ms": percentiles(livez[0]),
                    "rss_mb": rss(pids),
                }
            )
            print(json.dumps(minutes[-1]), flush=True)
    await asyncio.gather(*(b.close() for b in boards))
    first, last = minutes[0], minutes[-1]
    return {
        "minutes": minutes,
        "errors": sum(m["errors"] for m in minutes),
        "misses": sum(m["misses"] for m in minutes),
        "push_p95_drift_ms": last["push_ms"].get("p95", 0) - first["push_ms"].get("p95", 0),
        "dashboard_p95_drift_ms": last["dashboard_ms"].get("p95", 0)
        - first["dashboard_ms"].get("p95", 0),
        "rss_drift_mb": [
            round(b - a, 1) for a, b in zip(first["rss_mb"], last["rss_mb"], strict=True)
        ],
    }


async def steady(http, servers, path, interval, seconds):
    """GET `path` every `interval` seconds (or as fast as it answers) for `seconds`."""
    latencies, errors = [], []
    deadline = time.monotonic() + seconds
    while (start := time.monotonic()) < deadline:
        try:
            await get_ok(http, servers.next() + path)
            latencies.append(time.monotonic() - start)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        await asyncio.sleep(max(0.0, start + interval - time.monotonic()))
    return latencies, errors


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import os

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def git_sha():
    return (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=deploy.ROOT, capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--soak", type=float, default=0, help="soak seconds instead of bench")
    parser.add_argument("--minute", type=float, default=60.0, help="soak row length, seconds")
    parser.add_argument("--only-whatsapp", action="store_true", help="the WhatsApp line alone")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    started = time.monotonic()
    ports = [deploy.free_port(), deploy.free_port()]
    with (
        tempfile.TemporaryDirectory(prefix="watchline-bench-") as tmp,
        deploy.postgres_server() as pg_url,
        deploy.redis_server() as redis_url,
        deploy.bench_database(pg_url) as database_url,
        whatsapp.standin() as line,
    ):
        env = {
            **deploy.environment(database_url, redis_url, ports),
            **whatsapp.environment(line.url),
        }
        phase(f"loading {args.scale} data into {deploy.DB_NAME}")
        deploy.manage(env, "migrate", "--no-input")
        deploy.manage(env, "collectstatic", "--no-input")
        state_file = Path(tmp) / "state.json"
        subprocess.run(
            [
                deploy.PY,
                "-m",
                "bench.seed",
                f"--incidents={scale.incidents}",
                f"--reports={scale.reports}",
                f"--cwgs={scale.cwgs}",
                f"--operators={scale.operators}",
                f"--out={state_file}",
            ],
            cwd=deploy.ROOT,
            env=env,
            check=True,
        )
        state = json.loads(state_file.read_text())
        deploy.analyze(database_url)
        phase(f"starting two Daphne processes on ports {ports}")
        with deploy.daphnes(env, ports, tmp) as pids, whatsapp.worker(env, tmp):
            servers = Servers(ports)
            if args.soak:
                results = asyncio.run(soak(servers, scale, state, pids, args.soak, args.minute))
            else:
                results = (
                    {}
                    if args.only_whatsapp
                    else asyncio.run(measure(servers, scale, state, pids, database_url, env))
                )
                phase("WhatsApp line: webhook at a steady rate, POST to dashboard fragment")
                results["whatsapp"] = asyncio.run(
                    whatsapp.measure(
                        servers, args.scale, scale.cwgs, state["operators"][0], database_url
                    )
                )
    results.update(
        scale={"name": args.scale, **asdict(scale)},
        machine=machine(),
        git_sha=git_sha(),
        date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        wall_seconds=round(time.monotonic() - started, 1),
    )
    kind = "-soak" if args.soak else "" if args.scale == "full" else f"-{args.scale}"
    kind += "-whatsapp" if args.only_whatsapp else ""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{datetime.date.today()}-{results['git_sha']}{kind}.json"
    out.write_text(json.dumps(results, indent=2))
    from bench.report import table

    failed = table(results, soak=bool(args.soak))
    print(f"\nWritten {out.relative_to(deploy.ROOT)} in {results['wall_seconds']} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
