"""Saving a submission section (the editor's autosave) under 20 concurrent district users.

Target (the issue): p95 ≤ 200 ms with 20 concurrent users, the real server driven from a
second process on loopback.

Data. A fresh PostgreSQL database ``cdd_bench_section_save`` is migrated and loaded with the
geography of provinces 19, 30 and 40 (``load_geography --province``: 71 districts). A worker
subprocess (Django set up on it, DEBUG off) gives each province the key missions "10 + 1"
(11) and the eight standard headings (``cycle.headings_for``) for every fiscal year touched,
then:
- background volume: for every district and each of the 12 months before this one, an
  approved submission with its 88 narratives (11 missions x 8 headings, 150-600 Thai
  characters, version 1-6) and one audit entry per narrative: 852 submissions, 74,976
  narratives, 74,976 audit entries;
- ``--users`` (default 20) district-staff users, each in its own district (spread over the
  three provinces), with this month's submission started by ``cycle.submission_for`` and a
  draft narrative in each of its 88 sections (version 1), plus a database session each
  (``SessionStore``, exactly what ``login()`` stores); if this month is already locked
  (the last days of a month) a reopening until next week is added, as a province would.

Server. ``gunicorn cdd.wsgi:application --workers 4`` (``--workers``; sync workers, the machine
has 2 cores) bound to 127.0.0.1 on a free port, with ``cdd.settings.production`` (DEBUG off)
and a random SECRET_KEY, through a generated settings module that only moves STATIC_ROOT to a
temporary directory and keeps the manifest storage without whitenoise's pre-compression
(collectstatic then takes seconds instead of ~100 s of CPU; no static file is measured).
The client sends ``X-Forwarded-Proto: https`` as the TLS-terminating proxy of a deployment
does, so the HTTPS redirect and the Secure session and CSRF cookies behave as in production.
Gunicorn's access log records each request's time inside the worker (``%(D)s``), so the
client's latency can be split into server time and waiting for a free worker.

Load. A second process, ``locust --headless --users 20 --spawn-rate 20 --run-time 60s``
(FastHttpUser, a locustfile this script writes): each simulated user takes one district user,
opens its submission's editor page (``GET /reports/submissions/<pk>/``, which also gives the
csrftoken cookie) and then keeps saving its sections, ``POST .../section/`` with JSON
``{mission, heading, text, version}`` and ``X-CSRFToken``, cycling through its 88 sections,
each time appending a sentence to the section's text and sending the version it got back.
Two runs: think time 0.5-1.5 s between saves (typing pauses, like autosave) and no think time
(stress). Each starts with the versions and texts read from the database; a 10 s warm-up run
(no think time, not counted) comes first. Counted: the saves started after every user has
opened its page. Reported per run: requests, non-2xx or failed requests (must be 0),
median, p95 and p99 (nearest rank, from every request's own time, not locust's rounded
buckets), throughput, the server-side time of the same requests (access log), and how busy
the machine was (CPU of the gunicorn workers, the locust process and the whole machine).

The server is stopped and the database dropped at the end, also on failure (``--keep`` keeps
the database). Prints a Markdown table and merges the figures into ``bench/out/results.json``
under ``section_save``.

    cd /work/main && .venv/bin/python bench/bench_section_save.py [--users 20] [--workers 4]
        [--run-time 60] [--think 0.5-1.5] [--no-stress] [--warmup 10] [--provinces 19,30,40]
        [--profile] [--conn-max-age N] [--seed 1] [--keep] [--no-merge]

``--profile`` adds a first middleware (in the generated settings) that logs each save's wall
time, CPU time (``time.thread_time``) and SQL statements (count, time, time of the SELECT ...
FOR UPDATE) inside the worker; the medians and p95 go into the results under ``profile``.
``--conn-max-age N`` is an experiment: persistent database connections (the project's
settings open a new PostgreSQL connection for every request).
"""

import argparse
import json
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    manage,
    merge_results,
    print_table,
    result_line,
    scratch_db,
    summary_ms,
)
from _common import verdict as verdict_of
from _locust import RECORDER, nearest_rank, report, run_locust

HERE = Path(__file__).resolve().parent
TARGET_MS = 200
REDIS_CACHE = "redis://127.0.0.1:6379/5"
SAVE_NAME = "POST /reports/submissions/[pk]/section/"

MISSIONS = [
    "โคก หนอง นา โมเดล",
    "หมู่บ้านเศรษฐกิจพอเพียงต้นแบบ",
    "ผ้าไทยใส่ให้สนุก",
    "OTOP และเศรษฐกิจฐานราก",
    "กองทุนหมู่บ้านและ กข.คจ.",
    "แก้ไขปัญหาความยากจน (ครัวเรือนเป้าหมาย TPMAP)",
    "สัมมาชีพชุมชน",
    "ตลาดนัดชุมชน",
    "พัฒนาบทบาทสตรี",
    "ข้อมูลเพื่อการพัฒนาชุมชน (จปฐ./กชช. 2ค)",
    "ภารกิจเร่งด่วนของจังหวัด",
]
SENTENCES = [
    "ดำเนินการตามแผนงานครบทุกตำบลในเขตอำเภอ",
    "ประชุมชี้แจงผู้นำชุมชนและคณะกรรมการหมู่บ้านเรียบร้อยแล้ว",
    "ครัวเรือนเป้าหมายเข้าร่วมกิจกรรมร้อยละ 85",
    "พบปัญหางบประมาณโอนล่าช้าทำให้ต้องเลื่อนกิจกรรมออกไป",
    "ประสานองค์การบริหารส่วนตำบลเพื่อสนับสนุนวัสดุอุปกรณ์",
    "จัดเวทีแลกเปลี่ยนเรียนรู้ร่วมกับกลุ่มอาชีพในพื้นที่",
    "ติดตามผลการดำเนินงานร่วมกับพัฒนากรประจำตำบล",
    "ประชาสัมพันธ์ผ่านเพจเฟซบุ๊กของสำนักงานพัฒนาชุมชนอำเภอ",
    "ขอรับการสนับสนุนวิทยากรด้านการตลาดออนไลน์จากจังหวัด",
    "กลุ่มทอผ้ามีรายได้เพิ่มขึ้นจากเดือนก่อน",
]

# The load generator: a second process (locust), reading the users this script prepared.
LOCUSTFILE = (
    '''"""Generated by bench_section_save.py: district users autosaving their report sections."""
'''
    + RECORDER
    + r"""
import math
import random
import secrets
import string

SENTENCES = json.loads(os.environ["BENCH_SENTENCES"])
SAVE_NAME = os.environ["BENCH_SAVE_NAME"]
_state["csrf_generated"] = 0


class DistrictEditor(FastHttpUser):
    wait_time = between(LOW, HIGH) if HIGH > 0 else constant(0)

    def on_start(self):
        self.me = USERS[next(_next_user) % len(USERS)]
        self.rng = random.Random(self.me["sessionid"])
        self.sections = self.me["sections"]
        self.i = self.rng.randrange(len(self.sections))
        self.n = 0
        self.proxy = {"X-Forwarded-Proto": "https"}  # what the TLS proxy adds
        page = f"/reports/submissions/{self.me['submission']}/"
        with self.client.get(
            page,
            headers={**self.proxy, "Cookie": "sessionid=" + self.me["sessionid"]},
            name="GET /reports/submissions/[pk]/ (editor, csrf cookie)",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"editor page {r.status_code}")
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), None)
        if not token:  # no cookie from the page: make one (Django accepts any 32-char secret)
            _state["csrf_generated"] += 1
            token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.headers = {
            **self.proxy,
            "Cookie": f"sessionid={self.me['sessionid']}; csrftoken={token}",
            "X-CSRFToken": token,
            "Origin": f"https://{self.host.split('://', 1)[1]}",
            "Referer": f"{self.host}{page}".replace("http://", "https://", 1),
        }
        self.url = f"/reports/submissions/{self.me['submission']}/section/"
        ready()

    @task
    def save_section(self):
        section = self.sections[self.i % len(self.sections)]
        self.i += 1
        self.n += 1
        text = section["text"] + " " + self.rng.choice(SENTENCES) + f" ({self.n})"
        if len(text) > 2500:  # a long section starts over from its first draft
            text = section["text"][:600] + f" ({self.n})"
        body = {
            "mission": section["mission"],
            "heading": section["heading"],
            "text": text,
            "version": section["version"],
        }
        with self.client.post(
            self.url, json=body, headers=self.headers, name=SAVE_NAME, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")
                return
            section["version"] = r.json()["version"]
            section["text"] = text
"""
)

# cdd.settings.production with STATIC_ROOT in the run's temporary directory and the static
# files hashed but not pre-compressed (whitenoise's gzip and brotli take ~100 s of CPU here;
# no static file is requested by the saves measured).
SETTINGS = """from cdd.settings.production import *  # noqa: F403

STATIC_ROOT = {static_root!r}
STORAGES = {{
    **STORAGES,  # noqa: F405
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}},
}}
"""

# --profile: a first middleware logging, for each save, its wall and CPU time in the worker and
# its SQL statements (count, time, and the time of the SELECT ... FOR UPDATE statements).
PROFILE_SETTINGS = """
MIDDLEWARE = ["cdd_bench_timing.Timing", *MIDDLEWARE]  # noqa: F405
"""
PROFILE_MIDDLEWARE = '''"""Generated by bench_section_save.py --profile."""

import os
import time

from django.db import connection

LOG = open(os.environ["BENCH_PROFILE_LOG"], "a", buffering=1)


class Timing:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.endswith("/section/"):
            return self.get_response(request)
        sql = [0, 0.0, 0.0]

        def wrap(execute, statement, params, many, context):
            start = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                took = time.perf_counter() - start
                sql[0] += 1
                sql[1] += took
                if "FOR UPDATE" in statement:
                    sql[2] += took

        wall, cpu = time.perf_counter(), time.thread_time()
        with connection.execute_wrapper(wrap):
            response = self.get_response(request)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        LOG.write(f"{wall:.6f} {cpu:.6f} {sql[0]} {sql[1]:.6f} {sql[2]:.6f}\\n")
        return response
'''


# ---------------------------------------------------------------------------------------------
# Worker: the data (Django set up on the bench database)


def worker(url: str, provinces: list[str], n_users: int, seed: str) -> dict:
    from _common import setup_django

    setup_django(url)  # SECRET_KEY comes from the environment: the server's, for the sessions
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.choices import Role
    from accounts.models import User
    from audit.models import AuditEntry
    from cdd.thai import fiscal_year
    from reports import cycle
    from reports.models import Mission, Narrative, Reopening, Submission
    from villages.models import District

    rng = random.Random(f"section-save-{seed}")
    today = timezone.localdate()
    month = cycle.first_of(today)
    months = [month]
    for _ in range(12):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    prior = months[1:]

    missions, headings = {}, {}
    for p in provinces:
        for fy in sorted({fiscal_year(m) for m in months}):
            Mission.objects.bulk_create(
                [
                    Mission(province_id=p, fiscal_year=fy, number=n, name=name)
                    for n, name in enumerate(MISSIONS, start=1)
                ],
                ignore_conflicts=True,
            )
            missions[p, fy] = cycle.missions_for(p, fy)
            headings[p, fy] = cycle.headings_for(p, fy)

    def text(lo=150, hi=600):
        out = ""
        while len(out) < rng.randint(lo, hi):
            out += rng.choice(SENTENCES) + " "
        return out.strip()

    narrative_type = ContentType.objects.get_for_model(Narrative)

    def narratives_for(submissions, version_of):
        rows, entries = [], []
        for s in submissions:
            fy = fiscal_year(s.month)
            for m in missions[s.province_id, fy]:
                for h in headings[s.province_id, fy]:
                    rows.append(
                        Narrative(
                            submission=s,
                            mission=m,
                            heading=h,
                            text=text(),
                            version=version_of(),
                        )
                    )
        Narrative.objects.bulk_create(rows, batch_size=5000)
        for n in rows:
            entries.append(
                AuditEntry(
                    source="web",
                    action="update",
                    content_type=narrative_type,
                    object_pk=str(n.pk),
                    object_repr=f"{n.submission} {n.mission.number}.{n.heading.number}",
                    before={"version": n.version - 1},
                    after={"text": n.text, "version": n.version},
                )
            )
        AuditEntry.objects.bulk_create(entries, batch_size=5000)
        return len(rows)

    # Background: the 12 months before this one, approved, for every district.
    start = time.perf_counter()
    districts = list(District.objects.filter(province_id__in=provinces).order_by("code"))
    old = Submission.objects.bulk_create(
        [
            Submission(
                province_id=d.province_id,
                district=d,
                month=m,
                status="approved",
                first_submitted_at=timezone.now() - timedelta(days=30 * (i + 1)),
                submitted_at=timezone.now() - timedelta(days=30 * (i + 1)),
                approved_at=timezone.now() - timedelta(days=30 * i + 20),
            )
            for d in districts
            for i, m in enumerate(prior)
        ],
        batch_size=5000,
    )
    background = narratives_for(old, lambda: rng.randint(1, 6))
    background_seconds = round(time.perf_counter() - start, 1)

    # The district users, one per district, spread over the provinces.
    by_province = {p: [d for d in districts if d.province_id == p] for p in provinces}
    chosen = []
    while len(chosen) < n_users:
        before = len(chosen)
        for p in provinces:
            if by_province[p] and len(chosen) < n_users:
                chosen.append(by_province[p].pop(0))
        if len(chosen) == before:
            raise SystemExit(f"only {len(chosen)} districts for {n_users} users")
    users, reopened = [], 0
    for d in chosen:
        user = User.objects.create_user(
            username=f"bench_staff_{d.code}",
            password=None,
            role=Role.DISTRICT_STAFF,
            province_id=d.province_id,
            district=d,
            first_name="เจ้าหน้าที่",
            last_name=f"อำเภอ {d.code}",
        )
        submission = cycle.submission_for(user=user, district=d, month=month)
        if not cycle.edit_state(user, submission).allowed:  # the month has locked already
            Reopening.objects.create(
                district=d,
                province_id=d.province_id,
                month=month,
                until=today + timedelta(days=7),
                reason="bench",
            )
            reopened += 1
        assert cycle.edit_state(user, submission).allowed
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append(
            {
                "username": user.username,
                "district": d.code,
                "submission": submission.pk,
                "sessionid": session.session_key,
            }
        )
    drafts = narratives_for(
        list(Submission.objects.filter(pk__in=[u["submission"] for u in users])), lambda: 1
    )
    return {
        "month": month.isoformat(),
        "provinces": provinces,
        "districts": len(districts),
        "background_submissions": len(old),
        "background_narratives": background,
        "background_seconds": background_seconds,
        "draft_narratives": drafts,
        "sections_per_submission": drafts // len(users),
        "audit_entries": AuditEntry.objects.count(),
        "reopened": reopened,
        "users": users,
    }


# ---------------------------------------------------------------------------------------------
# The server and the load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, tmp: Path, workers: int):
    """``gunicorn cdd.wsgi:application`` on a free loopback port, in its own process group;
    yields (base URL, the Popen, the access log path); stopped (SIGTERM, then SIGKILL) after."""
    port = free_port()
    access = tmp / "access.log"
    errors = tmp / "gunicorn.log"
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "cdd.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            str(access),
            "--access-logformat",
            "%(D)s %(s)s %(m)s %(U)s",
            "--error-logfile",
            str(errors),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                req = urllib.request.Request(
                    base + "/login/", headers={"X-Forwarded-Proto": "https"}
                )
                urllib.request.urlopen(req, timeout=5).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        "gunicorn did not start:\n" + errors.read_text()[-3000:]
                    ) from None
                time.sleep(0.3)
        yield base, proc, access
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this call started, by its id
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def users_file(url: str, users: list[dict], path: Path):
    """The users with their sections' current version and text, as the editor loads them."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT n.submission_id, n.mission_id, n.heading_id, n.version, n.text "
            "FROM reports_narrative n JOIN reports_mission m ON m.id = n.mission_id "
            "JOIN reports_heading h ON h.id = n.heading_id "
            "WHERE n.submission_id = ANY(%s) ORDER BY m.number, h.number",
            ([u["submission"] for u in users],),
        )
        sections: dict = {}
        for sub, mission, heading, version, text in cur.fetchall():
            sections.setdefault(sub, []).append(
                {"mission": mission, "heading": heading, "version": version, "text": text}
            )
    conn.close()
    path.write_text(
        json.dumps([{**u, "sections": sections[u["submission"]]} for u in users]),
        encoding="utf-8",
    )


def profile_since(log: Path, offset: int) -> dict | None:
    """--profile: the medians and p95 of the middleware's log lines written after byte
    ``offset`` (this run), in ms."""
    if not log.exists():
        return None
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read().decode()
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    cols = list(zip(*[[float(x) for x in line] for line in lines], strict=True))
    out = {}
    for name, values, scale in (
        ("wall_ms", cols[0], 1000),
        ("cpu_ms", cols[1], 1000),
        ("queries", cols[2], 1),
        ("sql_ms", cols[3], 1000),
        ("for_update_ms", cols[4], 1000),
    ):
        ordered = sorted(v * scale for v in values)
        out[name] = {
            "median": round(statistics.median(ordered), 1),
            "p95": round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 1),
        }
    return out


def wait_idle(access: Path, quiet: float = 1.5, limit: float = 60):
    """Wait until the access log has not grown for ``quiet`` seconds: the server has answered
    every request it had queued, so the versions read next are final."""
    deadline, last, since = time.time() + limit, -1, time.time()
    while time.time() < deadline:
        size = access.stat().st_size if access.exists() else 0
        if size != last:
            last, since = size, time.time()
        elif time.time() - since >= quiet:
            return
        time.sleep(0.2)


def server_times(access: Path, offset: int) -> list[float]:
    """Seconds inside a gunicorn worker of each save logged after byte ``offset``."""
    with access.open("rb") as f:
        f.seek(offset)
        lines = f.read().decode("utf-8", "replace").splitlines()
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[2] == "POST" and parts[3].endswith("/section/"):
            out.append(int(parts[0]) / 1e6)
    return out


def run_load(
    base: str,
    proc,
    access: Path,
    url: str,
    users: list[dict],
    tmp: Path,
    label: str,
    think: tuple[float, float],
    seconds: int,
) -> dict:
    """One locust run; the figures of the saves made after every user opened its page."""
    users_path = tmp / f"users_{label}.json"
    users_file(url, users, users_path)
    env = {
        "BENCH_USERS_FILE": str(users_path),
        "BENCH_SENTENCES": json.dumps(SENTENCES, ensure_ascii=False),
        "BENCH_SAVE_NAME": SAVE_NAME,
    }
    n = len(users)
    offset = access.stat().st_size if access.exists() else 0
    profile_log = tmp / "profile.log"
    profile_offset = profile_log.stat().st_size if profile_log.exists() else 0
    out, done, cpu = run_locust(
        tmp, label, base=base, server=proc, users=n, think=think, seconds=seconds, env=env
    )
    wait_idle(access)  # requests still queued when locust stopped
    ready_at = out["ready_at"]
    if ready_at is None:
        if label == "warm-up":  # a short warm-up may end before every page has opened
            ready_at = 0
        else:
            raise RuntimeError(f"not every user opened its page:\n{done.stdout}\n{done.stderr}")
    saves = [r for r in out["records"] if r[0] == SAVE_NAME]
    counted = [r for r in saves if r[1] is not None and r[1] >= ready_at]
    ok = [r for r in counted if r[3] is not None and 200 <= r[3] < 300 and r[4] is None]
    failed = [r for r in out["records"] if r[4] is not None or not (200 <= (r[3] or 0) < 300)]
    window = max(r[1] + r[2] / 1000 for r in counted) - ready_at if counted else 0
    times = [r[2] / 1000 for r in counted]
    summary = summary_ms(times) if times else {}
    p99 = nearest_rank(times, 99)
    server = server_times(access, offset)
    server_p99 = nearest_rank(server, 99)
    pages = [r[2] / 1000 for r in out["records"] if r[0] != SAVE_NAME]
    profile = profile_since(profile_log, profile_offset)
    result = {
        "think_s": list(think),
        "users": n,
        "run_time_s": seconds,
        "requests": len(saves),
        "counted": len(counted),
        "ok": len(ok),
        "failures": len(failed),
        "failure_samples": [r[3:] for r in failed[:5]],
        **summary,
        "p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
        "throughput_rps": round(len(counted) / window, 1) if window else 0,
        "server": summary_ms(server) if server else {},
        "server_p99_ms": round(server_p99 * 1000, 1) if server_p99 is not None else None,
        "cpu": cpu,
        "editor_page": summary_ms(pages) if pages else {},
        **({"profile": profile} if profile else {}),
        "csrf_generated": out["csrf_generated"],
        "locust_exit": done.returncode,
    }
    report(label, "saves", result, done)
    return result


# ---------------------------------------------------------------------------------------------


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each run."""
    table = []
    age = results.get("conn_max_age")
    age = "" if age is None else f", CONN_MAX_AGE {age}"
    for key, target in (("think", True), ("stress", False)):
        r = results.get("runs", {}).get(key)
        if not r:
            continue
        think = (
            "think time {:g}-{:g} s".format(*r["think_s"]) if r["think_s"][1] else "no think time"
        )
        figure = (
            f"median {r['median_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
            f"{r['throughput_rps']} saves/s, {r['counted']} saves, {r['failures']} failures"
        )
        table.append(
            (
                f"section save, {r['users']} users, {think}, gunicorn "
                f"{results['workers']} workers{age}, load avg {r['cpu']['load_avg_1min_before']}",
                figure,
                f"p95 ≤ {TARGET_MS} ms, 0 failures" if target else "(stress)",
                verdict_of(r["p95_ms"] <= TARGET_MS and not r["failures"]) if target else "info",
            )
        )
    return table


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--run-time", type=int, default=60, help="seconds per run")
    parser.add_argument("--think", default="0.5-1.5", help="seconds between saves, LOW-HIGH")
    parser.add_argument("--no-stress", action="store_true", help="skip the no-think-time run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up load")
    parser.add_argument("--provinces", default="19,30,40")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="log each save's wall, CPU and SQL time inside the worker (a middleware)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="experiment: CONN_MAX_AGE for the server (the settings leave it at 0: a new "
        "PostgreSQL connection per request)",
    )
    parser.add_argument("--seed", default="1")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--no-merge", action="store_true")
    args = parser.parse_args(argv)
    provinces = args.provinces.split(",")
    think = tuple(float(x) for x in args.think.split("-"))
    secret = secrets.token_urlsafe(50)

    with (
        tempfile.TemporaryDirectory(prefix="cdd-bench-save-") as tmpdir,
        scratch_db("section_save", keep=args.keep) as db,
    ):
        tmp = Path(tmpdir)
        start = time.perf_counter()
        manage(db, "migrate", "--noinput")
        for p in provinces:
            manage(db, "load_geography", "--province", p)
        print(f"migrated, geography loaded: {time.perf_counter() - start:.0f} s", flush=True)
        proc = subprocess.run(
            [PYTHON, __file__, "--worker", db.url, args.provinces, str(args.users), args.seed],
            capture_output=True,
            text=True,
            cwd=HERE,
            env=dict(os.environ, SECRET_KEY=secret),
        )
        data = result_line(proc.stdout)
        if proc.returncode or data is None:
            raise RuntimeError(f"worker failed:\n{proc.stdout}\n{proc.stderr}")
        print(
            f"data: {data['districts']} districts, {data['background_narratives']:,} background "
            f"narratives ({data['background_seconds']} s), {len(data['users'])} users x "
            f"{data['sections_per_submission']} sections, {data['audit_entries']:,} audit "
            f"entries, month {data['month']}",
            flush=True,
        )
        settings = SETTINGS.format(static_root=str(tmp / "staticfiles"))
        if args.conn_max_age is not None:
            settings += f'DATABASES["default"]["CONN_MAX_AGE"] = {args.conn_max_age}  # noqa\n'
            settings += 'DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405\n'
        if args.profile:
            settings += PROFILE_SETTINGS
            (tmp / "cdd_bench_timing.py").write_text(PROFILE_MIDDLEWARE)
        (tmp / "cdd_bench_settings.py").write_text(settings)
        (tmp / "locustfile.py").write_text(LOCUSTFILE)
        server_env = {
            "SECRET_KEY": secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
            "BENCH_PROFILE_LOG": str(tmp / "profile.log"),
        }
        manage(
            db, "collectstatic", "--noinput", settings="cdd_bench_settings", extra_env=server_env
        )
        setup_seconds = round(time.perf_counter() - start, 1)
        print(f"set up in {setup_seconds} s (static files collected)", flush=True)
        env = dict(
            os.environ,
            DATABASE_URL=db.url,
            DJANGO_SETTINGS_MODULE="cdd_bench_settings",
            CELERY_BROKER_URL="",
            **server_env,
        )
        # As deployed: Django's cache (sessions, cached due dates) on Redis; a scratch DB.
        env["REDIS_URL"] = REDIS_CACHE
        subprocess.run(["redis-cli", "-u", REDIS_CACHE, "flushdb"], capture_output=True)
        runs = {}
        with gunicorn(env, tmp, args.workers) as (base, server, access):
            print(f"gunicorn, {args.workers} workers, {base}", flush=True)
            if args.warmup:
                warm = run_load(
                    base, server, access, db.url, data["users"], tmp, "warm-up", (0, 0), args.warmup
                )
            plan = [("think", think)] + ([] if args.no_stress else [("stress", (0.0, 0.0))])
            for key, wait in plan:
                runs[key] = run_load(
                    base, server, access, db.url, data["users"], tmp, key, wait, args.run_time
                )
            gunicorn_errors = (tmp / "gunicorn.log").read_text()[-2000:]
    result = {
        "settings": "cdd.settings.production; STATIC_ROOT in a temporary directory, "
        "ManifestStaticFilesStorage (no pre-compression)",
        "workers": args.workers,
        "conn_max_age": args.conn_max_age,
        "machine": {"nproc": len(os.sched_getaffinity(0)), "load_tool": "locust FastHttpUser"},
        "setup_seconds": setup_seconds,
        "data": {k: v for k, v in data.items() if k != "users"},
        "warm_up": {k: warm.get(k) for k in ("counted", "failures", "median_ms", "p95_ms")}
        if args.warmup
        else None,
        "runs": runs,
        "gunicorn_log_tail": gunicorn_errors if any(r["failures"] for r in runs.values()) else "",
    }
    print_table(rows(result))
    if not args.no_merge:
        merge_results("section_save", result)
    print("RESULT " + json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        out = worker(sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), sys.argv[5])
        print("RESULT " + json.dumps(out, default=str))
    else:
        main()
