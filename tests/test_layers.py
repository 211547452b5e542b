"""Layers point down: a module may import its own app, core, and the apps of any LOWER layer.

    layer  apps                                           what they are
    0      core                                           error shape, idempotency, rate
                                                          limits, hooks, realtime plumbing
    1      audit                                          the append-only security log
    2      accounts  mfa  profiles  safety               people, who may reach whom,
           notifications                                  sign-in, the inbox
    3      discovery  matching  mentorships               finding a mentor, the relationship
    4      scheduling  sessions  messaging  calls         what happens inside a mentorship
    5      communities  workshops  programs               many people at once
    6      home  privacy                                  composite pages (the dashboard) and
                                                          data rights, which span every domain
    top    urls, api, routing, asgi, settings, demo,      wiring and seeding: may import
           any management/commands/ module                anything

safety sits in layer 2 because every domain app asks it "is either blocked?" and it imports only
core; notifications likewise (everyone sends, it sends to no one's app); mfa (the second factor,
imports only core) sits beside accounts, whose sign-in asks it. demo seeds every domain, so it is
wiring, not a domain.

When a low app must reach a higher one (a profile write refreshes the search index, a block
withdraws requests), the low app declares a `core.hooks.Hook` and the higher app connects to it
in its AppConfig.ready(). A page that reads across domains lives in home/.

Same-layer imports between different apps are allowed only as listed in SAME_LAYER, each with
its reason. Apps are named by the first path component under src/mentorloom, so the check
survives moves inside an app (services.py -> services/, core/realtime/). It reads `import`
statements (at any depth, relative ones resolved), dotted-path strings ("mentorloom.<app>...")
and lazy model references ("<app>.<Model>"); in an app's templates, `{% include %}` and
`{% extends %}` of another app's templates and `{% load %}` of another app's tag library. The
site-wide templates in src/mentorloom/templates/ (base.html, components/) are the top.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "mentorloom"

LAYERS: dict[str, int] = {
    "core": 0,
    # The append-only audit log: every layer above records into it; it imports core only.
    "audit": 1,
    "accounts": 2,
    "mfa": 2,
    "profiles": 2,
    "safety": 2,
    "notifications": 2,
    "discovery": 3,
    "matching": 3,
    "mentorships": 3,
    "scheduling": 4,
    "sessions": 4,
    "messaging": 4,
    "calls": 4,
    "communities": 5,
    "workshops": 5,
    "programs": 5,
    "home": 6,
    # Data rights read and erase across every domain, so they sit at the top with home.
    "privacy": 6,
}
TOP = {"__init__", "urls", "api", "routing", "asgi", "settings", "demo"}

# (importing app, imported app) -> (module prefixes allowed, or None for any; why).
SAME_LAYER: dict[tuple[str, str], tuple[tuple[str, ...] | None, str]] = {
    ("accounts", "profiles"): (None, "signing up creates the person's profile"),
    ("accounts", "mfa"): (None, "signing in asks for the second factor"),
    ("mfa", "accounts"): (
        ("mentorloom.accounts.tokens_api",),
        "the staff enrolment gate lets through a live personal access token, like the API",
    ),
    ("profiles", "accounts"): (
        ("mentorloom.accounts.tokens_api",),
        "the members-only profile route accepts personal access tokens like every API route",
    ),
    ("profiles", "safety"): (
        ("mentorloom.safety.selectors",),
        "a blocked person cannot read the blocker's profile",
    ),
    ("safety", "accounts"): (
        ("mentorloom.accounts.access",),
        "a report reaches other people, so it needs a verified e-mail address",
    ),
    ("discovery", "mentorships"): (None, "active mentorships count against a mentor's capacity"),
    ("mentorships", "discovery"): (
        ("mentorloom.discovery.overlap",),
        "the pure working-hours overlap, shown where someone asks or answers (timefit.py)",
    ),
    ("matching", "mentorships"): (
        None,
        "capacity and response times rank recommendations; current and asked mentors are left out",
    ),
    ("matching", "discovery"): (
        ("mentorloom.discovery.scope",),
        "recommendations list whom the directory may list (one scope hook: programs decide)",
    ),
    ("sessions", "scheduling"): (
        None,
        "agendas, notes and feedback belong to scheduling's Session",
    ),
    ("scheduling", "sessions"): (
        ("mentorloom.sessions.selectors", "mentorloom.sessions.templatetags"),
        "the agenda text in invitations and reminders (a lazy import) and the session links on "
        "a session row: the one cycle left (sessions builds on scheduling)",
    ),
    ("calls", "messaging"): (None, "the call room shows the mentorship's conversation"),
    ("calls", "scheduling"): (None, "the call room shows the session that is on now"),
    ("calls", "sessions"): (None, "the call room shows that session's agenda and notes"),
    ("workshops", "communities"): (
        (
            "mentorloom.communities.models",
            "communities.Community",
            "mentorloom.communities.access",
            "mentorloom.communities.selectors",
            "mentorloom.communities.views",
            "mentorloom.communities.services",
        ),
        "a workshop may be for one community's members (its moderators schedule it), and its "
        "page lists them through the communities.views.community_page_panels hook, a ban "
        "frees the member's places through the communities.services.member_banned hook, so "
        "communities never imports workshops",
    ),
}

LAYER_NAMES = {
    n: "/".join(a for a, layer in LAYERS.items() if layer == n) for n in set(LAYERS.values())
}
MODEL_REF = re.compile(rf"^({'|'.join(LAYERS)})\.[A-Z]\w*$")
DOTTED = re.compile(rf"^mentorloom\.({'|'.join(LAYERS)})(\.\w+)*$")


def _app_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _is_top(path: Path) -> bool:
    rel = path.relative_to(SRC).as_posix()
    return _app_of(path) in TOP or "/management/commands/" in rel


def _module_of(path: Path) -> list[str]:
    rel = path.relative_to(SRC).with_suffix("")
    parts = ["mentorloom", *rel.parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _references(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module or "<app>.<Model>") for everything this file refers to."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_of(path)
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module == "mentorloom" or (node.level and not node.module):
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            found += [(node.lineno, text)] if DOTTED.match(text) or MODEL_REF.match(text) else []
    return found


def _target_app(reference: str) -> str | None:
    if reference.startswith("mentorloom."):
        parts = reference.split(".")
        return parts[1] if len(parts) > 1 else None
    match = MODEL_REF.match(reference)
    return match.group(1) if match else None


TEMPLATE_REF = re.compile(
    r"\{%\s*(?:(?:include|extends)\s+[\"']([a-z_]+)/[^\"']*[\"'][^%]*"
    r"|load\s+([\w\s]+?)\s*)%\}"
)


def _tag_libraries() -> dict[str, str]:
    """Template tag library name -> the app that defines it."""
    return {p.stem: _app_of(p) for p in SRC.glob("*/templatetags/*.py") if p.stem != "__init__"}


def _template_references(path: Path) -> list[tuple[int, str]]:
    text = path.read_text()
    libraries = _tag_libraries()
    found: list[tuple[int, str]] = []
    for match in TEMPLATE_REF.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        folder, loads = match.groups()
        if folder in LAYERS:
            found.append((line, f"mentorloom.{folder}.templates.{folder}"))
        for name in (loads or "").split():
            if name in libraries:
                found.append((line, f"mentorloom.{libraries[name]}.templatetags.{name}"))
    return found


def _source_files() -> list[Path]:
    return sorted([*SRC.rglob("*.py"), *SRC.glob("*/templates/**/*.html")])


def violations() -> tuple[list[str], set[tuple[str, str]]]:
    problems: list[str] = []
    used_same_layer: set[tuple[str, str]] = set()
    for path in _source_files():
        app = _app_of(path)
        where = path.relative_to(SRC.parent.parent).as_posix()
        if app not in LAYERS and app not in TOP:
            problems.append(
                f"{where}: app {app!r} has no layer; add it to LAYERS in tests/test_layers.py"
            )
            continue
        if _is_top(path):
            continue
        refs = _template_references(path) if path.suffix == ".html" else _references(path)
        for line, reference in refs:
            target = _target_app(reference)
            if target is None or target == app or target not in LAYERS:
                if target in TOP:
                    problems.append(
                        f"{where}:{line} imports {reference}: only the top (urls, api, routing, "
                        f"asgi, settings, demo, management commands) may import {target}"
                    )
                continue
            mine, theirs = LAYERS[app], LAYERS[target]
            if theirs < mine:
                continue
            if theirs == mine and (app, target) in SAME_LAYER:
                modules, _ = SAME_LAYER[(app, target)]
                if modules is None or reference.startswith(modules):
                    used_same_layer.add((app, target))
                    continue
            rule = (
                f"{app} and {target} are both in layer {mine} ({LAYER_NAMES[mine]}) and this "
                "import is not listed in SAME_LAYER"
                if theirs == mine
                else f"{app} (layer {mine}: {LAYER_NAMES[mine]}) may not import {target} "
                f"(layer {theirs}: {LAYER_NAMES[theirs]})"
            )
            problems.append(
                f"{where}:{line} imports {reference}: {rule}. Layers point down: move the "
                "cross-domain read up (home/) or have the higher app connect to a "
                "core.hooks.Hook declared in the lower one."
            )
    return problems, used_same_layer


def test_imports_point_down_the_layers():
    problems, _ = violations()
    assert not problems, "Layer rule broken:\n" + "\n".join(problems)


def test_every_same_layer_allowance_is_still_needed():
    _, used = violations()
    # An allowance naming an app not in this tree yet (merged from another branch) waits for it.
    present = {p.name for p in SRC.iterdir() if p.is_dir()}
    stale = sorted(pair for pair in set(SAME_LAYER) - used if set(pair) <= present)
    assert not stale, f"SAME_LAYER lists imports nothing makes any more; remove them: {stale}"


def test_every_app_folder_has_a_layer():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(LAYERS) - TOP == set()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from mentorloom.scheduling.selectors import sessions_for\n", "mentorloom.scheduling"),
        ("import mentorloom.messaging.services as m\n", "mentorloom.messaging"),
        ("from mentorloom import calls\n", "mentorloom.calls"),
        ("def f():\n    from mentorloom.home import views\n", "mentorloom.home"),
        ("from ..mentorships import models\n", "mentorloom.mentorships"),
        ('x = models.ForeignKey("sessions.Agenda", on_delete=None)\n', "sessions.Agenda"),
        ('TASK = "mentorloom.sessions.tasks.send"\n', "mentorloom.sessions"),
    ],
)
def test_an_upward_import_in_a_low_app_is_reported_with_file_import_and_rule(
    tmp_path, monkeypatch, source, expected
):
    fake = tmp_path / "src" / "mentorloom"
    (fake / "profiles").mkdir(parents=True)
    (fake / "profiles" / "__init__.py").write_text("")
    (fake / "profiles" / "views.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    problems, _ = violations()
    assert len(problems) == 1, problems
    assert problems[0].startswith("src/mentorloom/profiles/views.py:")
    assert expected in problems[0]
    assert (
        "profiles (layer 2: accounts/mfa/profiles/safety/notifications) may not import"
        in (problems[0])
    )


def test_a_same_layer_import_not_listed_is_reported(tmp_path, monkeypatch):
    fake = tmp_path / "src" / "mentorloom"
    (fake / "messaging").mkdir(parents=True)
    (fake / "messaging" / "views.py").write_text("from mentorloom.calls.models import Call\n")
    (fake / "scheduling").mkdir()
    # Listed, but only for the agenda text: other sessions modules stay out of bounds.
    (fake / "scheduling" / "ics.py").write_text("from mentorloom.sessions.models import Agenda\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    problems, _ = violations()
    assert len(problems) == 2, problems
    assert all("both in layer 4" in p and "not listed in SAME_LAYER" in p for p in problems)


def test_the_top_may_import_anything_but_nothing_imports_the_top(tmp_path, monkeypatch):
    fake = tmp_path / "src" / "mentorloom"
    (fake / "core" / "management" / "commands").mkdir(parents=True)
    (fake / "core" / "management" / "commands" / "go.py").write_text("import mentorloom.demo\n")
    (fake / "urls.py").write_text("from mentorloom.home import urls\n")
    (fake / "core" / "views.py").write_text("from mentorloom.api import api\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    problems, _ = violations()
    assert problems == [
        "src/mentorloom/core/views.py:1 imports mentorloom.api: only the top (urls, api, "
        "routing, asgi, settings, demo, management commands) may import api"
    ]


def test_templates_are_held_to_the_same_rule(tmp_path, monkeypatch):
    fake = tmp_path / "src" / "mentorloom"
    (fake / "messaging" / "templatetags").mkdir(parents=True)
    (fake / "messaging" / "templatetags" / "messaging_tags.py").write_text("")
    page = fake / "profiles" / "templates" / "profiles" / "public.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '{% extends "base.html" %}\n{% load static messaging_tags %}\n'
        '{% include "profiles/_avatar.html" %}{% include "components/field.html" %}\n'
        '{% include "scheduling/_session_row.html" with row=row %}\n'
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    problems, _ = violations()
    assert [p.split(": ")[0] for p in problems] == [
        "src/mentorloom/profiles/templates/profiles/public.html:2 imports "
        "mentorloom.messaging.templatetags.messaging_tags",
        "src/mentorloom/profiles/templates/profiles/public.html:4 imports "
        "mentorloom.scheduling.templates.scheduling",
    ]
