"""Services and tasks depend one way: tasks import services, services never import tasks.

Services schedule work through `core.enqueue.enqueue_on_commit("<app>.tasks.<name>", ...)`, so
importing a services module must not pull in its app's tasks module (no import circle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core import mail

from mentorloom.core.enqueue import enqueue_on_commit

SRC = Path(__file__).resolve().parents[2] / "src" / "mentorloom"
APPS = ["matching", "mentorships", "scheduling"]


def _module_level_imports(path: Path) -> list[tuple[int, str]]:
    """(level, dotted name) of every import outside functions and classes, names included."""
    found: list[tuple[int, str]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend((0, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                found.append((node.level, base))
                found.extend((node.level, f"{base}.{a.name}".lstrip(".")) for a in node.names)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])

    visit(ast.parse(path.read_text()).body)
    return found


def _services_files(app: str) -> list[Path]:
    single = SRC / app / "services.py"
    return [single] if single.exists() else sorted((SRC / app / "services").glob("*.py"))


def _imports_tasks(app: str, path: Path, root: Path = SRC) -> bool:
    depth = len(path.relative_to(root / app).parts)  # services.py: 1, services/x.py: 2
    absolute = f"mentorloom.{app}.tasks"
    for level, name in _module_level_imports(path):
        if level == 0 and (name == absolute or name.startswith(absolute + ".")):
            return True
        if level == depth and (name == "tasks" or name.startswith("tasks.")):
            return True
    return False


@pytest.mark.parametrize("app", APPS)
def test_no_services_module_imports_its_apps_tasks_at_module_level(app):
    files = _services_files(app)
    assert files, f"no services module found for {app}"
    offenders = [str(p.relative_to(SRC)) for p in files if _imports_tasks(app, p)]
    assert offenders == []


@pytest.mark.parametrize("app", APPS)
def test_tasks_import_services(app):
    names = {name for _, name in _module_level_imports(SRC / app / "tasks.py")}
    assert "services" in names or f"mentorloom.{app}.services" in names


def test_the_check_sees_a_module_level_tasks_import(tmp_path):
    # The guard itself must catch the spellings it forbids, and allow a call-time import.
    package = tmp_path / "scheduling" / "services"
    package.mkdir(parents=True)
    module = package / "booking.py"
    for line in (
        "from ..tasks import deliver_invitation",
        "from .. import tasks",
        "import mentorloom.scheduling.tasks",
        "if True:\n    from mentorloom.scheduling.tasks import deliver_invitation",
    ):
        module.write_text(f"{line}\n")
        assert _imports_tasks("scheduling", module, root=tmp_path), line
    module.write_text("def f():\n    from ..tasks import x\n")
    assert not _imports_tasks("scheduling", module, root=tmp_path)


@pytest.mark.django_db
def test_enqueue_on_commit_runs_the_task_after_commit_and_never_on_rollback(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit("mentorloom.core.email.deliver_email", ["a@example.org"], "Hi", "Body")
    assert [m.to for m in mail.outbox] == [["a@example.org"]]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit(
                    "mentorloom.core.email.deliver_email", ["b@example.org"], "x", "y"
                )
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == [] and len(mail.outbox) == 1
