"""What the load benchmarks share (``bench_section_save.py``, ``bench_dashboard_load.py``): the
start of every generated locustfile (each request recorded, the records dumped as JSON when
locust quits, the moment every simulated user was ready), and one headless locust run from a
second process with the CPU the machine, the gunicorn workers and locust spent on it."""

import json
import os
import resource
import subprocess
import time
from pathlib import Path

from _common import PYTHON

# The start of a generated locustfile. The rest defines the users (FastHttpUser classes) and
# calls ``ready()`` once per simulated user when it has made its first request.
RECORDER = r'''
import itertools
import json
import os
import time

from locust import FastHttpUser, between, constant, events, task

USERS = json.load(open(os.environ["BENCH_USERS_FILE"]))
OUT = os.environ["BENCH_OUT_FILE"]
LOW, HIGH = (float(x) for x in os.environ["BENCH_THINK"].split(","))
_next_user = itertools.count()
_state = {"ready": 0, "ready_at": None}
_records = []


@events.request.add_listener
def _record(request_type, name, response_time, response, exception, start_time=None, **kw):
    status = getattr(response, "status_code", None) if response is not None else None
    _records.append(
        [name, start_time, response_time, status, None if exception is None else repr(exception)]
    )


@events.quitting.add_listener
def _dump(environment, **kw):
    with open(OUT, "w") as f:
        json.dump({"records": _records, **_state}, f)


def ready():
    """One more simulated user has started; the last one starts the counted window."""
    _state["ready"] += 1
    if _state["ready"] == len(USERS):
        _state["ready_at"] = time.time()
'''


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def worker_cpu(proc) -> float:
    """CPU seconds used so far by the gunicorn workers (the master's children)."""
    import psutil

    total = 0.0
    for child in psutil.Process(proc.pid).children():
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_locust(
    tmp: Path,
    label: str,
    *,
    base: str,
    server,
    users: int,
    think: tuple[float, float],
    seconds: int,
    env: dict,
) -> tuple[dict, subprocess.CompletedProcess, dict]:
    """``locust --headless`` on ``tmp/locustfile.py`` against ``base`` with ``users`` users
    spawned at once for ``seconds``; ``env`` adds to the environment (BENCH_USERS_FILE and
    what the locustfile reads). Returns the dumped records (``{"records", "ready", ...}``),
    the finished process and the CPU figures of the run."""
    out_path = tmp / f"out_{label}.json"
    env = dict(
        os.environ, **env, BENCH_OUT_FILE=str(out_path), BENCH_THINK=f"{think[0]},{think[1]}"
    )
    command = [
        str(Path(PYTHON).parent / "locust"),
        *("-f", str(tmp / "locustfile.py"), "--headless", "--users", str(users)),
        *("--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", base),
        *("--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"),
    ]
    load_before = round(os.getloadavg()[0], 2)
    busy0, total0 = cpu_busy()
    server0 = worker_cpu(server)
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)
    wall = time.time() - started
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server1 = worker_cpu(server)
    busy1, total1 = cpu_busy()
    if not out_path.exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = {
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
        "machine_busy_s": round((busy1 - busy0) / os.sysconf("SC_CLK_TCK"), 1),
        "load_avg_1min_before": load_before,
        "gunicorn_workers_s": round(server1 - server0, 1),
        "locust_s": round(child1.ru_utime + child1.ru_stime - child0.ru_utime - child0.ru_stime, 1),
        "wall_s": round(wall, 1),
    }
    return json.loads(out_path.read_text()), done, cpu


def nearest_rank(values: list[float], pct: int) -> float | None:
    """The ``pct`` percentile of ``values`` by nearest rank; None for no values."""
    ordered = sorted(values)
    return ordered[max(0, -(-pct * len(ordered) // 100) - 1)] if ordered else None


def report(label: str, what: str, result: dict, done: subprocess.CompletedProcess):
    """One line of a run's figures (``what``: "saves", "views"); locust's output on failures."""
    server = result["server"]
    print(
        f"{label}: {result['counted']} {what}, {result['failures']} failures, median "
        f"{result.get('median_ms')} ms, p95 {result.get('p95_ms')} ms, p99 {result['p99_ms']} ms, "
        f"{result['throughput_rps']}/s; server median {server.get('median_ms')} ms, "
        f"p95 {server.get('p95_ms')} ms; CPU {result['cpu']}",
        flush=True,
    )
    if result["failures"]:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", flush=True)
