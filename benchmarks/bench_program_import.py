"""A program's CSV import of 10,000 members, embeddings included, end to end (issue 29: "in
under 2 minutes"; issue 28: the worker embeds at >= 0.9x the bare model's rate).

A helper process on a fresh SQLite data dir (migrated by bench_chat's `_prepare`; the
developer's database is never touched) makes a program with one choice and two free-text
questions ("What would you like help with?" for mentees, "What do you help with?" for
mentors) and a CSV of BENCH_IMPORT_ROWS members (default 10,000: 80% mentees writing 2-4
sentences of goals, 20% mentors with headline, bio and topics; words from the hard evaluation
set's people). Then it runs what the upload page and the worker run for a large file:

* import: `imports.start_import_job` (the upload: whole-file checks, the job row) and the task
  `programs.tasks.run_import_job` (parse, validate, bulk write, invitations queued); each
  task runs as the worker runs it (`Task.call`), right after the previous one queued it;
* embedding: the task that the import queued after commit, `programs.tasks.embed_members`.

Baseline, same process, same texts: `SentenceTransformer.encode(texts)` at its defaults
(batch 32) of the packaged model. Each side runs twice, alternated: bare, our import and
embedding, bare, our embedding task again from scratch; the ratio compares the faster run of
each (the machine is shared and load only ever slows a run down). The model is loaded
before the clock starts (a worker loads it once); its load time is its own column. The load
average is reported beside the figures. Skipped without the `semantic` extra.

    python -m benchmarks.bench_program_import
    BENCH_IMPORT_ROWS=500 python -m benchmarks.bench_program_import   # a quick run
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_chat import _base_env, _prepare

DATA = Path(__file__).resolve().parent / "data" / "matching_hard.json"
MENTOR_SHARE = 0.2
QUESTIONS = [
    {"key": "track", "label": "Track", "kind": "single", "choices": ["tech", "business", "care"]},
    {"key": "goals", "label": "What would you like help with?", "kind": "text"},
    {"key": "offer", "label": "What do you help with?", "kind": "text"},
]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Africa/Lagos", "Asia/Tokyo"]


def _rows() -> int:
    return max(10, int(os.environ.get("BENCH_IMPORT_ROWS", 10_000)))


def program_csv(rows: int, seed: int = 29) -> bytes:
    """A realistic member file: mentees' goals in their own words (2-4 sentences, ~150-400
    characters), mentors' headline, bio and topics (~200-400 characters)."""
    import csv
    import io

    data = json.loads(DATA.read_text(encoding="utf-8"))
    goals = [q["help_with"] for q in data["queries"]]
    mentors = data["mentors"]
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["email", "role", "name", "zone", "languages", "team", "capacity", "track"]
    writer.writerow([*header, "goals", "offer"])
    for n in range(rows):
        mentor = rnd.random() < MENTOR_SHARE
        if mentor:
            m = rnd.choice(mentors)
            extra = rnd.choice(mentors)["bio"] if rnd.random() < 0.4 else ""
            offer = (
                f"{m['headline']}. {m['bio']} {extra} I help with "
                f"{', '.join(m['topics']).lower()}; skills: {', '.join(m['skills'])}."
            )
            goal, capacity = "", rnd.randint(1, 5)
        else:
            goal = " ".join(rnd.sample(goals, rnd.randint(2, 4)))
            offer, capacity = "", ""
        writer.writerow(
            [
                f"member{n}@example.org",
                "mentor" if mentor else "mentee",
                f"Member {n}",
                rnd.choice(ZONES),
                "en" if rnd.random() < 0.7 else "en;de",
                f"Team {rnd.randint(1, 40)}",
                capacity,
                rnd.choice(["tech", "business", "care"]),
                goal,
                offer,
            ]
        )
    return out.getvalue().encode()


# --- the helper process --------------------------------------------------------------------


def _measure_main(rows: int) -> None:
    """(Helper process, fresh database) import + embed, and the bare model; prints JSON."""
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from mentorloom.accounts.models import User
    from mentorloom.matching import embeddings
    from mentorloom.programs import imports, member_embeddings, tasks
    from mentorloom.programs.models import (
        MemberEmbedding,
        Organisation,
        Program,
        ProgramMembership,
        Role,
    )

    admin = User.objects.create(email="admin@example.org")
    organisation = Organisation.objects.create(name="Bench University")
    program = Program.objects.create(
        organisation=organisation, name="Alumni mentoring", questions=QUESTIONS
    )
    ProgramMembership.objects.create(
        program=program, user=admin, email=admin.email, role=Role.ADMIN
    )
    data = program_csv(rows)

    started = time.perf_counter()
    model = embeddings.load_model()
    load_s = time.perf_counter() - started
    embeddings.encode(["warm up the model"])
    texts = [member_embeddings.member_text(a, ["goals", "offer"]) for a in _answers(data)]

    def bare() -> float:
        start = time.perf_counter()
        model.encode(texts)  # the library's defaults: batch 32, numpy
        return time.perf_counter() - start

    load_before = os.getloadavg()[0]
    bare_before = bare()

    start = time.perf_counter()
    job = imports.start_import_job(admin, program, data)  # what the upload page does
    tasks.run_import_job.call(job.pk)  # the worker's task
    imported = time.perf_counter()
    job.refresh_from_db()
    queued = DBTaskResult.objects.filter(
        task_path="mentorloom.programs.tasks.embed_members", status="READY"
    )
    if job.status != "done" or queued.count() != 1:
        raise RuntimeError(f"import {job.status}: {job.report}; embed tasks queued: {queued}")
    embedded_n = tasks.embed_members.call(program.pk)  # the task the import queued
    done = time.perf_counter()

    bare_after = bare()
    load_after = os.getloadavg()[0]
    members = ProgramMembership.objects.filter(program=program).exclude(role=Role.ADMIN)
    stored = MemberEmbedding.objects.filter(membership__program=program).count()
    if stored != members.count() or embedded_n != len(texts):
        raise RuntimeError(f"{stored} vectors for {members.count()} members ({embedded_n})")
    # The embedding task once more from scratch, so that each side has two runs, alternated
    # (bare, ours, bare, ours): the ratio compares the faster run of each.
    MemberEmbedding.objects.filter(membership__program=program).delete()
    again = time.perf_counter()
    if tasks.embed_members.call(program.pk) != len(texts):
        raise RuntimeError("the second embedding run did not embed every member")
    embed_again_s = time.perf_counter() - again
    print(
        json.dumps(
            {
                "rows": rows,
                "csv_kb": len(data) // 1024,
                "avg_chars": sum(map(len, texts)) / len(texts),
                "import_s": imported - start,
                "embed_s": done - imported,
                "embed_again_s": embed_again_s,
                "bare_s": [bare_before, bare_after],
                "load_s": load_s,
                "loadavg": [load_before, load_after],
            }
        )
    )


def _answers(data: bytes) -> list[dict[str, str]]:
    import csv
    import io

    return [
        {"goals": r["goals"], "offer": r["offer"]}
        for r in csv.DictReader(io.StringIO(data.decode()))
    ]


# --- the parent ----------------------------------------------------------------------------


def run() -> list[dict]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from mentorloom.matching import embeddings

    if not embeddings.semantic_installed():
        return [{"case": "program CSV import", "result": "skipped: semantic extra not installed"}]
    rows = _rows()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        env = _base_env(tmp, None)
        env["MENTORLOOM_SEMANTIC"] = "1"
        result = _prepare(env, rows, module="benchmarks.bench_program_import", timeout=3_600)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = result["rows"]
    total = result["import_s"] + result["embed_s"]
    # The faster of two runs on each side, alternated (bare, ours, bare, ours): load from other
    # processes only ever slows a run down, so the faster run is the better estimate of each
    # (until session 15 ours had one run against the faster of two bare runs, which made any
    # neighbour's burst count against ours only).
    bare_rate = n / min(result["bare_s"])
    ours_rate = n / min(result["embed_s"], result["embed_again_s"])
    return [
        {
            "case": f"program CSV import, {result['csv_kb']} KB, texts ~{result['avg_chars']:.0f} "
            "chars",
            "rows": n,
            "import s": f"{result['import_s']:.1f}",
            "embedding s (again)": f"{result['embed_s']:.1f} ({result['embed_again_s']:.1f})",
            "total s": f"{total:.1f}",
            "ours texts/s": f"{ours_rate:.0f}",
            "bare encode texts/s (before, after)": f"{n / result['bare_s'][0]:.0f}, "
            f"{n / result['bare_s'][1]:.0f}",
            "ratio ours/bare": f"{ours_rate / bare_rate:.2f}x",
            "model load s": f"{result['load_s']:.1f}",
            "load avg": "{:.1f} -> {:.1f}".format(*result["loadavg"]),
        }
    ]


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "setup":
        # `_prepare` (bench_chat) migrates the temp database, then starts this as `setup N`.
        _measure_main(int(sys.argv[2]))
    else:
        from benchmarks.__main__ import _table

        print(_table(run()))
