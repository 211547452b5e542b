"""The browser's merge (static/mentorloom/js/notes_merge.js) agrees with sessions.merge: run
under Node on the same cases, it keeps the same edits and reports the same overlaps."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from mentorloom.sessions.merge import merge

NODE = shutil.which("node")
MODULE = Path(__file__).resolve().parents[2] / "src/mentorloom/static/mentorloom/js/notes_merge.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

BASE = "# Goals\nShip the portfolio\n\n# Risks\nTime\n\n# Next\nCall Ana\n"
CASES = [
    (BASE, BASE.replace("portfolio", "portfolio by May"), BASE.replace("Ana", "Ana and Ben")),
    (BASE, BASE + "mine\n", BASE + "theirs\n"),
    (BASE, BASE.replace("Time", "Time and money"), BASE.replace("Time", "Motivation")),
    ("a\nb\nc\nd", "a\nX\nd", "a\nb\nnew\nc\nd"),
    ("one\ntwo", "one\ntwo\nmine", "zero\none\ntwo"),
    ("", "typed", ""),
    ("x", "", "x\ny"),
]


def _random_cases(n: int) -> list[tuple[str, str, str]]:
    rng = random.Random(26)

    def text() -> str:
        return "\n".join(rng.choice("abcx") for _ in range(rng.randint(0, 6)))

    return [(text(), text(), text()) for _ in range(n)]


def _node_merge(cases: list[tuple[str, str, str]]) -> list[dict]:
    script = (
        f"import {{ merge }} from {json.dumps(MODULE.as_uri())};\n"
        "let input = ''; process.stdin.on('data', (d) => (input += d));\n"
        "process.stdin.on('end', () => { const cases = JSON.parse(input);\n"
        "  console.log(JSON.stringify(cases.map(([b, m, t]) => merge(b, m, t)))); });\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_browser_merge_gives_the_same_results_on_the_examples():
    for (base, mine, theirs), js in zip(CASES, _node_merge(CASES), strict=True):
        py = merge(base, mine, theirs)
        assert js["text"] == py.text, (base, mine, theirs)
        assert js["clean"] == py.clean
        assert js["overlaps"] == [
            {"base": o.base, "mine": o.mine, "theirs": o.theirs} for o in py.overlaps
        ]


def test_the_browser_merge_keeps_every_added_line_and_mostly_matches_on_random_edits():
    cases = _random_cases(2000)
    agree = 0
    for (base, mine, theirs), js in zip(cases, _node_merge(cases), strict=True):
        py = merge(base, mine, theirs)
        if mine == base or theirs == base:
            assert js["text"] == py.text and js["clean"]
        if js["clean"]:
            merged, base_lines = Counter(js["text"].split("\n")), Counter(base.split("\n"))
            for side in (mine, theirs):
                assert not (Counter(side.split("\n")) - base_lines) - merged
        # Short texts of repeated lines have several equally good alignments (LCS here,
        # difflib there); on those the two may split the edits differently.
        agree += (js["text"], js["clean"]) == (py.text, py.clean)
    assert agree > len(cases) * 0.8, agree
