from mentorloom.core.hooks import Hook
from mentorloom.discovery import services as discovery_services
from mentorloom.matching import services as matching_services
from mentorloom.profiles.services import profile_changed


def test_hook_calls_listeners_in_connection_order_once_each_and_returns_results():
    hook = Hook("test.hook")
    calls = []

    def first(value):
        calls.append(("first", value))
        return 1

    def second(value):
        calls.append(("second", value))
        return 2

    hook.connect(first)
    hook.connect(second)
    hook.connect(first)  # a second ready() does not double it
    assert hook(7) == [1, 2]
    assert calls == [("first", 7), ("second", 7)]
    hook.disconnect(first)
    assert hook(8) == [2]


def test_profile_changes_reach_discovery_then_matching():
    # Discovery is before matching in INSTALLED_APPS, so its listener runs first.
    assert profile_changed._listeners == [
        discovery_services.profile_changed,
        matching_services.profile_changed,
    ]
