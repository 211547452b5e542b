from mentorloom.core.errors import Conflict, InvalidInput


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
