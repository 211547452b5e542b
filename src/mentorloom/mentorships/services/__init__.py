"""Writes for requests, mentorships, agreements, goals and the waitlist, one module per
subject (requests, expiry, waitlist, lifecycle, agreements, goals); shared private helpers live
in `_common`.

Callers keep using `from mentorloom.mentorships import services; services.send_request(...)`:
the public names are re-exported here. To monkeypatch one, patch the submodule that defines it
(`mentorloom.mentorships.services.requests.<name>`), which is where the package looks it up.
"""

from __future__ import annotations

from ._common import expiry_days, free_places, live_mentorship_count
from .agreements import confirm_agreement, propose_agreement
from .expiry import (
    AUTO_PAUSE_AFTER_EXPIRED,
    REMINDER_AFTER,
    auto_pause_if_unresponsive,
    expire_due_requests,
    expire_request,
    remind_request,
    run_periodic_jobs,
    send_due_reminders,
    similar_mentors_url,
)
from .goals import add_milestone, create_goal, record_progress, set_milestone_done, update_goal
from .introductions import start_introduced_mentorship
from .lifecycle import end_mentorship, pause_mentorship, resume_mentorship
from .requests import (
    DECLINE_TEMPLATES,
    accept_request,
    answer_info,
    ask_for_info,
    check_can_request,
    decline_request,
    send_request,
    withdraw_request,
    withdraw_requests_between,
)
from .waitlist import join_waitlist, leave_waitlist, offer_freed_place

__all__ = [
    "AUTO_PAUSE_AFTER_EXPIRED",
    "DECLINE_TEMPLATES",
    "REMINDER_AFTER",
    "accept_request",
    "add_milestone",
    "answer_info",
    "ask_for_info",
    "auto_pause_if_unresponsive",
    "check_can_request",
    "confirm_agreement",
    "create_goal",
    "decline_request",
    "end_mentorship",
    "expire_due_requests",
    "expire_request",
    "expiry_days",
    "free_places",
    "join_waitlist",
    "leave_waitlist",
    "live_mentorship_count",
    "offer_freed_place",
    "pause_mentorship",
    "propose_agreement",
    "record_progress",
    "remind_request",
    "resume_mentorship",
    "run_periodic_jobs",
    "send_due_reminders",
    "send_request",
    "set_milestone_done",
    "similar_mentors_url",
    "start_introduced_mentorship",
    "update_goal",
    "withdraw_request",
    "withdraw_requests_between",
]
