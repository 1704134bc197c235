"""The load clients: one asyncio event loop drives HTTP (httpx) and the dashboards' WebSockets
(websockets). Every loop is bounded by a count and a deadline; every URL is on 127.0.0.1."""

import asyncio
import itertools
import random
import re
import time
from html.parser import HTMLParser

import httpx
import websockets

REFERENCE = re.compile(r"\bR-\d{4}-\d{4,}\b")
TIMEOUT = httpx.Timeout(120.0)  # pages: the dashboard's cold cache is slow
# A phone gives up on a request after this long (then its outbox sends again, same token).
SUBMIT_TIMEOUT = 30.0
# A phone's outbox keeps trying for this long before the bench counts the report as lost.
GIVE_UP_SECONDS = 120.0


class Shed(Exception):
    """The server said busy (503 or 429); `retry_after` seconds to wait."""

    def __init__(self, status, retry_after):
        super().__init__(f"{status}, Retry-After {retry_after}")
        self.retry_after = retry_after


def percentiles(values):
    """p50 / p95 / p99 / max in milliseconds of latencies in seconds (nearest rank)."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p):
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": ordered[-1] * 1000,
    }


class Servers:
    """The two Daphne processes; `next()` alternates between them (a round-robin balancer)."""

    def __init__(self, ports):
        self.ports = ports
        self._cycle = itertools.cycle(ports)

    def next(self):
        return f"http://127.0.0.1:{next(self._cycle)}"


def client(session_key=None):
    """One HTTP client (plain HTTP on 127.0.0.1: no certificates to load)."""
    cookies = {"sessionid": session_key} if session_key else None
    return httpx.AsyncClient(cookies=cookies, timeout=TIMEOUT, follow_redirects=False, verify=False)


def as_user(http, session_key):
    """Make a reused client someone else: only their session cookie from now on."""
    http.cookies.clear()
    http.cookies.set("sessionid", session_key)


async def bounded(operation, count, concurrency, seconds, session_key=None):
    """Run `operation(i, http)` for i < count with `concurrency` workers, each with one client
    of its own for all its operations, stopping at the deadline.
    Returns (latencies of successes, errors, elapsed seconds)."""
    counter = itertools.count()
    latencies, errors = [], []
    deadline = time.monotonic() + seconds

    async def worker():
        async with client(session_key) as http:
            while time.monotonic() < deadline and (i := next(counter)) < count:
                start = time.monotonic()
                try:
                    await operation(i, http)
                    latencies.append(time.monotonic() - start)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.monotonic() - start


async def get_ok(http, url, headers=None):
    response = await http.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    return response


# --- The report form --------------------------------------------------------------------------


class FormParser(HTMLParser):
    """Every form on a page: its action and the values a browser would submit by default."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "choices": {}})
        if not self.forms or "name" not in a and tag != "option":
            return
        fields, choices = self.forms[-1]["fields"], self.forms[-1]["choices"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                choices.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif kind not in ("file", "submit", "button"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            fields.setdefault(self._select, "")
        elif tag == "option" and self._select:
            choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data


def report_form(html, description):
    """The report form's data as a representative would send it: defaults kept (token, ward,
    observed time), the required choices made, `description` as what is happening, and for
    half of them the phone's location somewhere in the city."""
    parser = FormParser()
    parser.feed(html)
    form = next(f for f in parser.forms if "description" in f["fields"])
    data = dict(form["fields"])
    for name, options in form["choices"].items():
        if not data.get(name):
            data[name] = next((o for o in options if o), "")
    data.update(description=description, location_text="Corner of Bench and Load Streets")
    spot = random.Random(description)
    if "latitude" in data and spot.random() < 0.5:
        data["latitude"] = f"{-33.93 + spot.uniform(-0.15, 0.15):.5f}"
        data["longitude"] = f"{18.55 + spot.uniform(-0.15, 0.15):.5f}"
    return form["action"], data


class Outcome:
    """What one submission met on its way: sheds (503/429) and client timeouts."""

    def __init__(self):
        self.shed = self.timeouts = 0


async def submit_report(
    http, base, form_path, description, retry_same_token=False, outcome=None, session_key=None
):
    """GET the form, POST it (twice with the same client token if `retry_same_token`, as a phone
    on a bad connection would), as a phone's outbox does: a busy answer (503/429) is tried again
    after its Retry-After, a request without an answer in SUBMIT_TIMEOUT again at once, always
    with the same token. Returns (reference, monotonic times the last POST was sent and its
    response came back)."""
    outcome = outcome or Outcome()
    if session_key:
        as_user(http, session_key)
    give_up = time.monotonic() + GIVE_UP_SECONDS
    page = await _patiently(
        lambda: http.get(base + form_path, timeout=SUBMIT_TIMEOUT), outcome, give_up
    )
    if page.status_code != 200:
        raise RuntimeError(f"GET {form_path}: {page.status_code}")
    action, data = report_form(page.text, description)
    url = httpx.URL(base + form_path).join(action) if action else base + form_path
    for _ in range(2 if retry_same_token else 1):
        sent = time.monotonic()
        response = await _patiently(
            lambda: http.post(
                url, data=data, headers={"Referer": base + form_path}, timeout=SUBMIT_TIMEOUT
            ),
            outcome,
            give_up,
        )
        answered = time.monotonic()
    if response.status_code in (301, 302, 303):
        location = response.headers["location"]
        found = REFERENCE.search(location) or REFERENCE.search(
            (await get_ok(http, str(httpx.URL(base).join(location)))).text
        )
    elif response.status_code == 200:
        found = REFERENCE.search(response.text)
    else:
        raise RuntimeError(f"POST report: {response.status_code}")
    if not found:
        raise RuntimeError("no report reference after submitting")
    return found.group(0), sent, answered


async def _patiently(request, outcome, give_up):
    """`request()` until it is answered with something other than busy, or `give_up`."""
    while True:
        try:
            response = await request()
        except httpx.TimeoutException:
            outcome.timeouts += 1
            if time.monotonic() > give_up:
                raise
            continue
        if response.status_code not in (429, 503) or time.monotonic() > give_up:
            return response
        outcome.shed += 1
        if "retry-after" not in response.headers:
            raise RuntimeError(f"{response.status_code} without Retry-After")
        await asyncio.sleep(float(response.headers["retry-after"]))


# --- Dashboards -------------------------------------------------------------------------------


class Dashboard:
    """One operator's dashboard socket: records when each report's fragment first arrives."""

    def __init__(self, port, session_key):
        self.port, self.session_key = port, session_key
        self.arrivals, self.messages, self.socket, self.task = {}, 0, None, None

    async def open(self):
        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/ws/dashboard/",
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": f"sessionid={self.session_key}"},
            open_timeout=20,
        )
        self.task = asyncio.create_task(self._listen())

    async def _listen(self):
        async for message in self.socket:
            now = time.monotonic()
            self.messages += 1
            for reference in REFERENCE.findall(message):
                self.arrivals.setdefault(reference, now)

    async def close(self):
        await self.socket.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def open_dashboards(ports, session_keys):
    """Connect one dashboard per operator session, split evenly across the servers."""
    boards = [Dashboard(ports[i % len(ports)], key) for i, key in enumerate(session_keys)]
    for i in range(0, len(boards), 20):
        await asyncio.gather(*(b.open() for b in boards[i : i + 20]))
    return boards


async def push(
    boards,
    servers,
    rep_sessions,
    form_path,
    rate,
    seconds,
    grace=10.0,
    label="push",
    in_flight=64,
    cpu=None,
):
    """Submit reports at a steady `rate` for `seconds` (each as a phone would: busy answers
    and timeouts tried again with the same token; at most `in_flight` phones at once, each
    with a reused client) and measure, per dashboard, the time from each submission's HTTP
    response to its fragment's arrival. `cpu()`: the servers' CPU seconds so far.
    Returns the figures."""
    count = int(rate * seconds)
    reps = itertools.cycle(rep_sessions)
    clients = asyncio.Queue()
    for _ in range(in_flight):
        clients.put_nowait(client())
    sent, errors, outcome = [], [], Outcome()

    async def one(i, session_key):
        http = await clients.get()
        try:
            sent.append(
                await submit_report(
                    http,
                    servers.next(),
                    form_path,
                    f"{label} {i}",
                    outcome=outcome,
                    session_key=session_key,
                )
            )
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            clients.put_nowait(http)

    cpu_start = cpu() if cpu else 0.0
    start = time.monotonic()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(i, next(reps))))
    _, late = await asyncio.wait(tasks, timeout=seconds + GIVE_UP_SECONDS)
    for task in late:
        task.cancel()
    errors += ["not answered in time"] * len(late)
    achieved = len(sent) / (time.monotonic() - start)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not all(
        ref in b.arrivals for b in boards for ref, _, _ in sent
    ):
        await asyncio.sleep(0.1)
    cpu_used = (cpu() - cpu_start) if cpu else 0.0
    while not clients.empty():
        await clients.get_nowait().aclose()
    latencies, from_post, early = [], [], 0
    for board in boards:
        for ref, posted, answered in sent:
            if ref in board.arrivals:
                delay = board.arrivals[ref] - answered
                early += delay < 0
                latencies.append(max(0.0, delay))
                from_post.append(board.arrivals[ref] - posted)
    return {
        "rate": rate,
        "achieved_rate": achieved,
        "seconds": seconds,
        "dashboards": len(boards),
        "submitted": len(sent),
        "errors": len(errors),
        "error_samples": errors[:5],
        "shed": outcome.shed,
        "timeouts": outcome.timeouts,
        "cpu_ms_per_report": 1000 * cpu_used / max(1, len(sent)),
        "expected": len(sent) * len(boards),
        "misses": len(sent) * len(boards) - len(latencies),
        "arrived_before_response": early,
        "latency_ms": percentiles(latencies),
        "from_post_ms": percentiles(from_post),
    }
