from mentorloom.core.errors import Conflict, DomainError, InvalidInput


class MentorshipNotActive(Conflict):
    code = "mentorship_not_active"
    default_message = "Calls are possible only in an active mentorship."


class CallEnded(Conflict):
    code = "call_ended"
    default_message = "This call has ended. Start a new one to talk again."


class BlockedPair(Conflict):
    code = "blocked"
    default_message = "You cannot call this person."


class BadSignal(InvalidInput):
    code = "bad_frame"
    default_message = "That signalling frame is not valid."


class MediaServerUnavailable(DomainError):
    """Janus did not answer (down, restarting, unreachable): the room page says so and retries;
    nothing already saved is touched."""

    code = "media_unavailable"
    status = 503
    default_message = "The media server is not reachable right now. Please try again shortly."


class MediaServerRefused(Conflict):
    """Janus answered with an error (no such room, not allowed, bad secret)."""

    code = "media_refused"
    default_message = "The media server refused that request."

    def __init__(self, message: str | None = None, *, janus_code: int = 0) -> None:
        super().__init__(message)
        self.janus_code = janus_code
