"""Every scheduling write, one module per subject (availability, booking, proposals,
attendance, reminders, series, calendars, invitations); shared private helpers live in `_common`.

Callers keep using `from mentorloom.scheduling import services; services.book_session(...)`:
the public names are re-exported here. To monkeypatch one, patch the submodule that defines
it (`mentorloom.scheduling.services.booking.<name>`), which is where callers inside the
package look it up.
"""

from __future__ import annotations

from mentorloom.core.errors import InvalidInput  # views catch services.InvalidInput

from ._common import late_cancel_window
from .attendance import (
    COMPLETE_AFTER,
    NO_SHOW_GRACE,
    NO_SHOW_REPORT_DAYS,
    complete_past_sessions,
    mark_no_show,
)
from .availability import (
    SETTINGS_FIELDS,
    add_override,
    add_rule,
    delete_override,
    delete_rule,
    ensure_settings,
    regenerate_feed_token,
    replace_rules,
    revoke_feed_on_access_ended,
    revoke_feed_token,
    update_settings,
)
from .booking import (
    book_session,
    cancel_session,
    cancel_upcoming_on_block,
    cancel_upcoming_on_end,
    reschedule_session,
)
from .calendars import (
    FETCHES_PER_HOUR,
    MAX_CALENDARS_PER_USER,
    QUEUED_FOR,
    REFRESH_EVERY,
    add_calendar,
    count_fetch,
    delete_calendar,
    delete_calendars_of,
    fetch_calendar,
    forget_links_of,
    refresh_calendar,
    refresh_due_calendars,
    request_fetch,
)
from .invitations import send_invitation
from .proposals import (
    PROPOSAL_MAX_AHEAD,
    accept_proposal,
    can_move_directly,
    decline_proposal,
    request_reschedule,
    withdraw_proposal,
)
from .reminders import REMINDERS, send_due_reminders
from .series import (
    PROBLEM_MESSAGES,
    cancel_following,
    create_series,
    move_following,
    occurrence_problem,
    preview_series,
    series_summary,
)

__all__ = [
    "COMPLETE_AFTER",
    "FETCHES_PER_HOUR",
    "MAX_CALENDARS_PER_USER",
    "NO_SHOW_GRACE",
    "NO_SHOW_REPORT_DAYS",
    "PROBLEM_MESSAGES",
    "PROPOSAL_MAX_AHEAD",
    "QUEUED_FOR",
    "REFRESH_EVERY",
    "REMINDERS",
    "SETTINGS_FIELDS",
    "InvalidInput",
    "accept_proposal",
    "add_calendar",
    "add_override",
    "add_rule",
    "book_session",
    "can_move_directly",
    "cancel_following",
    "cancel_session",
    "cancel_upcoming_on_block",
    "cancel_upcoming_on_end",
    "complete_past_sessions",
    "count_fetch",
    "create_series",
    "decline_proposal",
    "delete_calendar",
    "delete_calendars_of",
    "delete_override",
    "delete_rule",
    "ensure_settings",
    "fetch_calendar",
    "forget_links_of",
    "late_cancel_window",
    "mark_no_show",
    "move_following",
    "occurrence_problem",
    "preview_series",
    "refresh_calendar",
    "refresh_due_calendars",
    "regenerate_feed_token",
    "replace_rules",
    "request_fetch",
    "request_reschedule",
    "reschedule_session",
    "revoke_feed_on_access_ended",
    "revoke_feed_token",
    "send_due_reminders",
    "send_invitation",
    "series_summary",
    "update_settings",
    "withdraw_proposal",
]
