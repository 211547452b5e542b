"""The five traits of effective mentors and the anchors shown next to each 1–5 rating."""

from __future__ import annotations

TRAIT_HELP: dict[str, str] = {
    "empathy": "Understood my situation and how I felt about it.",
    "adaptability": "Adjusted the approach to what I needed today.",
    "active_listening": "Listened fully and reflected back what I said.",
    "encouragement": "Left me more confident and motivated.",
    "expertise": "Brought relevant knowledge and experience.",
}
ANCHORS: dict[int, str] = {
    1: "Not at all",
    2: "A little",
    3: "Somewhat",
    4: "Mostly",
    5: "Completely",
}
