"""The layering of the project's packages, read from their source with `ast`.

policies (pure rules) <- lifecycle (events) <- projections (read models) <- web (delivery).
A package may import from the ones to its left only, and the pure layers import no
delivery or storage framework.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {"flask", "marshmallow", "apscheduler", "sqlite_utils"}
RULES = {
    "policies": {"lifecycle", "projections", "web"} | FRAMEWORKS,
    "lifecycle": {"projections", "web"} | FRAMEWORKS,
    "projections": {"web"},
}


def imported_modules(source: str) -> set[str]:
    """Top-level names of the absolute imports in `source`, including importlib calls.

    Relative imports stay inside their own package and are left out.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            found.add(node.args[0].value.split(".")[0])
    return found


def test_imported_modules_reads_every_form_of_import():
    source = ("import flask.json, os\nfrom web.cli import main\nfrom . import money\n"
              "from .x import y\nimport importlib\nimportlib.import_module('projections.a')\n"
              "def f():\n    import sqlite_utils\n")
    assert imported_modules(source) == {"flask", "os", "web", "importlib", "projections",
                                        "sqlite_utils"}


@pytest.mark.parametrize("package, forbidden", sorted(RULES.items()))
def test_package_imports_stay_in_their_layer(package, forbidden):
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_modules(path.read_text(encoding="utf-8")) & forbidden
        offences += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(bad)]
    assert not offences


def test_the_walk_sees_the_policies_source():
    files = list((ROOT / "policies").rglob("*.py"))
    assert any("policies" in imported_modules(f.read_text(encoding="utf-8")) for f in files)
