"""Load generator of the checkin_burst benchmark: a separate process that drives member
check-ins over loopback against the served app (standard library only: threads and
http.client, one keep-alive connection per thread).

    python bench/checkin_loadgen.py PLAN.json RESULT.json

PLAN.json: {"base": "http://127.0.0.1:PORT", "session": id, "screen_token": bearer of whoever
runs the session, "members": [bearer, ...], "concurrency": 32, "repeat": 1}. With repeat 2
every member's two requests are sent at the same moment (a barrier per member) from two
different connections. The code is fetched from GET /api/v1/study/sessions/{id}/qr every 10
seconds, as the screen in the room shows it.

RESULT.json: {"seconds", "requests", "status": {code: n}, "latencies_ms": sorted list,
"errors": [first few messages], "ok_members": indexes of the members answered 2xx}.
"""
from __future__ import annotations

import http.client
import json
import queue
import sys
import threading
import time
from urllib.parse import urlsplit

REFRESH_SECONDS = 10


class Conn:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.c: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.c.request(method, path, body=body, headers=headers)
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.c.close()
                self.c = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Code:
    """The session's current check-in code, refreshed like the screen refreshes it."""

    def __init__(self, conn: Conn, session: int, bearer: str):
        self.conn, self.path = conn, f"/api/v1/study/sessions/{session}/qr"
        self.headers = {"Authorization": f"Bearer {bearer}"}
        self.value = self._fetch()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _fetch(self) -> str:
        status, body = self.conn.request("GET", self.path, self.headers)
        if status != 200:
            raise SystemExit(f"cannot read the QR code: {status} {body[:200]!r}")
        return json.loads(body)["token"]

    def _loop(self):
        while not self.stop.wait(REFRESH_SECONDS):
            self.value = self._fetch()


def main(plan_path: str, result_path: str) -> None:
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    url = urlsplit(plan["base"])
    host, port = url.hostname, url.port
    concurrency, repeat = int(plan.get("concurrency", 32)), int(plan.get("repeat", 1))
    code = Code(Conn(host, port), plan["session"], plan["screen_token"])

    jobs: queue.Queue = queue.Queue()
    for index, bearer in enumerate(plan["members"]):
        barrier = threading.Barrier(repeat) if repeat > 1 else None
        for _ in range(repeat):
            jobs.put((index, bearer, barrier))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    ok_members: list[int] = []

    def worker():
        conn = Conn(host, port)
        while True:
            try:
                index, bearer, barrier = jobs.get_nowait()
            except queue.Empty:
                return
            body = json.dumps({"token": code.value}).encode()
            headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
            try:
                if barrier is not None:
                    barrier.wait(timeout=60)
                started = time.perf_counter()
                status, data = conn.request("POST", "/api/v1/study/checkin", headers, body)
                elapsed = (time.perf_counter() - started) * 1000
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    statuses["error"] = statuses.get("error", 0) + 1
                    if len(errors) < 10:
                        errors.append(repr(exc))
                continue
            with lock:
                latencies.append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if 200 <= status < 300:
                    ok_members.append(index)
                if status >= 300 and len(errors) < 10:
                    errors.append(f"{status} {data[:200]!r}")

    # Warm-up, untimed: every gunicorn worker imports the URLconf and builds the API on its
    # first request; read the code from as many connections as there will be workers.
    def warm():
        conn = Conn(host, port)
        for _ in range(4):
            conn.request("GET", code.path, code.headers)

    warmers = [threading.Thread(target=warm) for _ in range(concurrency)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()

    # With repeat 2, both requests of one member must be in flight together: the queue holds
    # them next to each other, and an even number of workers takes them in pairs.
    n = concurrency + (concurrency % repeat and repeat - concurrency % repeat)
    threads = [threading.Thread(target=worker) for _ in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    code.stop.set()
    latencies.sort()
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump({"seconds": seconds, "requests": len(latencies) + statuses.get("error", 0), "status": statuses,
                   "latencies_ms": latencies, "errors": errors, "threads": n, "ok_members": sorted(set(ok_members))}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
