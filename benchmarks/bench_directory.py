"""Directory API under load: 20,000 mentors, 16 concurrent clients, a filtered + full-text query.

Everything runs in a throwaway data directory (SQLite; set BENCH_DATABASE_URL to a scratch
PostgreSQL database to measure that instead — it is flushed). The real ASGI app is served by
uvicorn in a subprocess. Same-run baselines: Django's /healthz through the same server under the
same concurrency, and the bare FTS query straight through sqlite3 / psycopg without Django.

    python -m benchmarks.bench_directory            # just this benchmark
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MENTORS = int(os.environ.get("BENCH_MENTORS", "20000"))
CLIENTS = 16
SECONDS = float(os.environ.get("BENCH_SECONDS", "12"))
QUERY = "/api/v1/mentors?q=python+data&language=Spanish&overlap=2&capacity=1"
# uvicorn worker processes, as deployed on a 2-core server (docs/discovery.md "Performance").
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))

SKILLS = (  # noqa: SIM905 - a readable word list
    "Python SQL Excel Tableau Kubernetes Go Rust Java JavaScript TypeScript React Figma "
    "Statistics Epidemiology Accounting Marketing SEO Copywriting Nursing Pharmacy Carpentry "
    "Welding Plumbing Electrical Teaching Research Writing Law Negotiation Leadership Hiring "
    "Fundraising Sales Design Accessibility Security Networking Linux Terraform Spark Airflow"
).split()
TOPICS = [
    "Career switch",
    "Getting your first data job",
    "Portfolio review",
    "Becoming a product manager",
    "System design interviews",
    "First-time manager",
    "Starting a trade business",
    "PhD to industry",
    "Remote work",
    "Freelancing",
]
INDUSTRIES = ["Software", "Data & analytics", "Healthcare", "Finance", "Education", "Law"]
LANGUAGES = ["English", "Spanish", "Portuguese", "French", "German", "Hindi", "Japanese"]
ZONES = [
    ("Europe/Berlin", "DE"),
    ("Europe/Madrid", "ES"),
    ("America/Mexico_City", "MX"),
    ("America/Bogota", "CO"),
    ("America/Sao_Paulo", "BR"),
    ("America/New_York", "US"),
    ("America/Los_Angeles", "US"),
    ("Asia/Kolkata", "IN"),
    ("Asia/Tokyo", "JP"),
    ("Australia/Sydney", "AU"),
    ("Africa/Lagos", "NG"),
    ("Africa/Nairobi", "KE"),
]
HOURS = [("08:00", "16:00"), ("09:00", "17:00"), ("09:30", "18:30"), ("18:00", "22:00")]


# --- Child process: seed the throwaway database ------------------------------------------------


def _seed(count: int) -> None:
    import django

    django.setup()
    from datetime import time as wall

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client

    from mentorloom.discovery.services import rebuild_search_index
    from mentorloom.mentorships.models import Mentorship
    from mentorloom.profiles.models import Industry, Language, Profile, Skill, Topic

    rng = random.Random(4)
    User = get_user_model()
    password = make_password("bench-password")
    with transaction.atomic():
        tags = {
            "skills": [Skill.objects.create(name=n) for n in SKILLS],
            "topics": [Topic.objects.create(name=n) for n in TOPICS],
            "industries": [Industry.objects.create(name=n) for n in INDUSTRIES],
            "languages": [Language.objects.create(name=n) for n in LANGUAGES],
        }
        users = User.objects.bulk_create(
            [User(email=f"mentor{i}@bench.example", password=password) for i in range(count)],
            batch_size=2000,
        )
        profiles = []
        for i, user in enumerate(users):
            zone, country = ZONES[i % len(ZONES)]
            start, end = HOURS[rng.randrange(len(HOURS))]
            skills = rng.sample(SKILLS, 4)
            profiles.append(
                Profile(
                    user=user,
                    display_name=f"Mentor {i}",
                    headline=f"{skills[0]} and {skills[1]} practitioner",
                    bio=(
                        f"I have worked with {skills[2]} for years and enjoy helping people "
                        f"grow. Ask me about {rng.choice(TOPICS).lower()}."
                    ),
                    time_zone=zone,
                    country=country,
                    work_start=wall.fromisoformat(start),
                    work_end=wall.fromisoformat(end),
                    is_mentor=True,
                    capacity=rng.randint(1, 5),
                    expertise=f"{rng.choice(INDUSTRIES)} {skills[3]}",
                )
            )
        profiles = Profile.objects.bulk_create(profiles, batch_size=2000)
        for field, options in tags.items():
            through = getattr(Profile, field).through
            column = "industry" if field == "industries" else field.removesuffix("s")
            links = []
            for profile in profiles:
                pool = SKILLS if field == "skills" else None
                picks = (
                    [tags["skills"][SKILLS.index(n)] for n in rng.sample(pool, 4)]
                    if pool
                    else rng.sample(options, min(2, len(options)))
                )
                links += [through(profile_id=profile.pk, **{f"{column}_id": t.pk}) for t in picks]
            through.objects.bulk_create(links, batch_size=5000)
        mentees = User.objects.bulk_create(
            [User(email=f"mentee{i}@bench.example", password=password) for i in range(count // 4)]
        )
        Mentorship.objects.bulk_create(
            [
                Mentorship(mentor_id=rng.choice(users).pk, mentee_id=m.pk)
                for m in mentees
                if rng.random() < 0.8
            ],
            ignore_conflicts=True,
        )
        viewer = User.objects.create_user(email="viewer@bench.example", password="bench-pass")
        Profile.objects.create(user=viewer, time_zone="Europe/London", display_name="Viewer")
    rebuild_search_index()
    client = Client()
    client.force_login(viewer)
    from django.conf import settings

    print(json.dumps({"cookie": client.cookies[settings.SESSION_COOKIE_NAME].value}))


# --- Parent: serve, load, measure -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the ASGI server did not start")


def _cold_queries() -> list[str]:
    """The same filters with a different pair of search words every request (1,560 pairs), so
    no request is answered from a process's cache of recent full-text results."""
    words = [w.lower() for w in SKILLS]
    pairs = [f"{a}+{b}" for a in words for b in words if a != b]
    random.Random(7).shuffle(pairs)
    return [f"/api/v1/mentors?q={p}&language=Spanish&overlap=2&capacity=1" for p in pairs]


def _load(port: int, path, cookie: str, seconds: float) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    """CLIENTS threads, each with a keep-alive connection, requesting `path` (or the next of a
    list of paths, round-robin across all clients) for `seconds`."""
    paths = [path] if isinstance(path, str) else list(path)
    counter = iter(range(10**9))
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Cookie": f"sessionid={cookie}"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            url = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def _bare_fts(data_dir: str, database_url: str) -> list[float]:
    """The full-text part alone, without Django: 200 runs of the ranked MATCH query."""
    samples = []
    if database_url:
        import psycopg

        conn = psycopg.connect(database_url.replace("postgres://", "postgresql://"))
        sql = (
            "SELECT profile_id FROM discovery_searchdocument, "
            "to_tsquery('simple', '(''python'':*) & (''data'':*)') q WHERE search_vector @@ q "
            "ORDER BY ts_rank(search_vector, q) DESC LIMIT 20"
        )
    else:
        import sqlite3

        conn = sqlite3.connect(Path(data_dir) / "mentorloom.sqlite3")
        sql = (
            'SELECT rowid FROM discovery_fts WHERE discovery_fts MATCH \'("python"*) AND '
            '("data"*)\' ORDER BY bm25(discovery_fts, 3, 4, 1, 10, 10, 6, 6, 3) LIMIT 20'
        )
    for _ in range(200):
        started = time.perf_counter()
        conn.execute(sql).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    conn.close()
    return samples


def _row(case: str, samples: list[float], seconds: float | None, errors: int = 0) -> dict:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else float("nan")
    return {
        "case": case,
        "requests": len(samples),
        "p50 ms": f"{statistics.median(ordered):.1f}" if ordered else "-",
        "p95 ms": f"{p95:.1f}",
        "req/s": f"{len(samples) / seconds:.0f}" if seconds else "-",
        "errors": errors,
    }


def run() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="mentorloom-bench-") as data_dir:
        env = {
            **os.environ,
            "MENTORLOOM_DATA_DIR": data_dir,
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "DJANGO_SETTINGS_MODULE": "mentorloom.settings",
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "0",
        }
        python = sys.executable
        if database_url:
            subprocess.run(
                [python, "manage.py", "flush", "--no-input"], cwd=ROOT, env=env, check=False
            )
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
        )
        started = time.perf_counter()
        seeded = subprocess.run(
            [python, "-m", "benchmarks.bench_directory", "seed", str(MENTORS)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        cookie = json.loads(seeded.stdout.strip().splitlines()[-1])["cookie"]
        seed_seconds = time.perf_counter() - started
        port = _free_port()
        server = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "mentorloom.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--workers",
                str(WORKERS),
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            _wait_for(port)
            _load(port, QUERY, cookie, 2)  # warm up caches and the process
            ours, ours_errors = _load(port, QUERY, cookie, SECONDS)
            cold, cold_errors = _load(port, _cold_queries(), cookie, SECONDS)
            health, health_errors = _load(port, "/healthz", cookie, SECONDS / 2)
        finally:
            server.terminate()
            server.wait(timeout=15)
        bare = _bare_fts(data_dir, database_url)
    backend = "postgresql" if database_url else "sqlite"
    return [
        _row(
            f"{QUERY} ({MENTORS} mentors, {backend}, {WORKERS} workers)",
            ours,
            SECONDS,
            ours_errors,
        ),
        _row(
            "same filters, a different q every request (no cached FTS)", cold, SECONDS, cold_errors
        ),
        _row("baseline: /healthz, same server", health, SECONDS / 2, health_errors),
        _row("baseline: bare FTS query, no Django (1 client)", bare, None),
        {
            "case": f"seed + index {MENTORS} mentors (setup, not measured)",
            "requests": "-",
            "p50 ms": "-",
            "p95 ms": "-",
            "req/s": f"{seed_seconds:.0f} s",
            "errors": "-",
        },
    ]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "seed":
        _seed(int(sys.argv[2]))
    else:
        sys.path.insert(0, str(ROOT / "src"))
        for row in run():
            print(row)
