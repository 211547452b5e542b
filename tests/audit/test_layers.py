import ast
from pathlib import Path

import mentorloom.audit

ALLOWED = {"core", "audit"}


def test_the_audit_app_imports_core_only():
    """It sits at the accounts layer, below everything that records events."""
    root = Path(mentorloom.audit.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "mentorloom" and len(parts) > 1:
                    assert parts[1] in ALLOWED, f"{path.name} imports {name}"
