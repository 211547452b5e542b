"""The audit log: an append-only record of security-relevant events, for staff.

Write with `mentorloom.audit.services.record_event(kind, *, actor=None, target=None,
request=None, data=None)`. It inserts one row in the caller's transaction (so an event is
kept exactly when the change it describes is committed), takes ip and user agent (truncated)
from `request`, and the actor from `request.user` when not given. `target` is a model instance
or a `(type, id)` pair. `data` is a small JSON object: never secrets, tokens or passwords.

Kinds are stable dotted codes (staff filter on them; never rename one):

    auth.login.succeeded   auth.login.failed   auth.login.throttled   auth.logout
    auth.password.changed  auth.password.reset  auth.email.verified   auth.email.changed
    auth.sessions.revoked  (one session or "everywhere")
    auth.account.reclaimed (verified from a browser that did not set the password: what was
                            set up before is removed)
    account.created        account.deletion_requested*
    token.created          token.revoked
    mfa.enabled*           mfa.disabled*        data.exported*
    report.filed           report.status_changed   block.created   block.removed
    moderation.ban         moderation.unban
    role.staff_granted     role.staff_revoked   role.superuser_granted   role.superuser_revoked

(* to be recorded by the apps that own them.) New kinds: lower-case words joined by dots.

Append-only: no view, API route or admin page changes or deletes an event, and
`AuditEvent.save()` refuses to update an existing row. Staff read the log at /staff/audit/
and `GET /api/v1/audit/events`; everyone else gets 404. This app imports core only.
"""
