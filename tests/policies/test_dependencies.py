"""The shape of the house: the import-linter contracts in pyproject.toml, kept.

policies (pure rules) <- lifecycle (events) <- projections (read models) <- web (delivery).
A package may import from the ones to its left only; the pure layers import no delivery
or storage framework; Flask stays in web.app, web.api and web.dashboard; web has no
import cycle. import-linter reads the import statements (grimp); the `ast` walk below
also sees `importlib.import_module("...")`, holding the layers to the same contracts.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("policies", "lifecycle", "projections", "web")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text(
    encoding="utf-8"))["tool"]["importlinter"]["contracts"]}
LAYERS = CONTRACTS["layers"]["layers"]  # highest first
FRAMEWORKS = set(CONTRACTS["pure-domain"]["forbidden_modules"])
#: Each layer below the top, and what it may not import: the layers above it, and for the
#: pure layers the frameworks.
RULES = {layer: set(LAYERS[:i]) | (FRAMEWORKS if layer in CONTRACTS["pure-domain"][
    "source_modules"] else set()) for i, layer in enumerate(LAYERS) if i}


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess:
    """`lint-imports` on the packages under `root` (all contracts, or those named)."""
    limit = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", *limit,
                           str(root / "pyproject.toml")],
                          cwd=root, capture_output=True, text=True, timeout=120)


def test_every_import_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


#: An import planted in a copy of the tree, and the contract it must break.
PLANTED = [
    ("web/progress.py", "import flask\n", "flask-free-web"),
    ("web/services.py", "from web.dashboard import forms\n", "flask-free-web"),
    ("web/reports.py", "from werkzeug.utils import secure_filename\n", "flask-at-the-edge"),
    ("policies/money.py", "import marshmallow\n", "pure-domain"),
    ("lifecycle/errors.py", "import sqlite_utils\n", "pure-domain"),
    ("lifecycle/errors.py", "from projections import views\n", "layers"),
    ("projections/state.py", "def later():\n    from web import cli\n", "layers"),
    ("web/dashboard/spend.py", "from web.app import services as from_the_app\n",
     "web-acyclic"),
    ("web/services.py", "from web import daily\n", "web-acyclic"),
]


@pytest.mark.parametrize("path, planted, contract", PLANTED)
def test_a_planted_import_breaks_its_contract(tmp_path, path, planted, contract):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / path
    target.write_text((target.read_text(encoding="utf-8") if target.exists() else "") + planted,
                      encoding="utf-8")
    broken = lint_imports(tmp_path, contract)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Contracts: 0 kept, 1 broken." in broken.stdout


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
