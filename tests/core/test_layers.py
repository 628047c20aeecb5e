"""The import contract (.importlinter, run by `lint-imports` in .ci/run) states the layers of
DESIGN.md §2 and fails on an import against them: every app sits in exactly one layer, the
contracts hold today, and an upward import planted in a copy of apps/ breaks them."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=None, comment_prefixes=(";", "#"))
    parser.read(CONFIG, encoding="utf-8")
    return parser


def layered_apps() -> list[str]:
    layers = contracts()["importlinter:contract:layers"]["layers"]
    return [name.strip() for line in layers.strip().splitlines() for name in re.split(r"[|:]", line)]


def lint(apps_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own venv's lint-imports on our own config
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache", "--no-logo"],
        cwd=apps_dir.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_app_sits_in_exactly_one_layer():
    apps = sorted(f"apps.{p.name}" for p in (ROOT / "apps").iterdir() if (p / "__init__.py").exists())
    named = layered_apps()
    assert sorted(named) == apps, "每个 apps/ 下的应用必须且只能出现在 .importlinter 的一个层中"
    assert len(named) == len(set(named))


def test_no_module_below_the_ways_in_imports_an_adapter():
    """What a forbidden contract cannot say (it skips an app's own api/admin as overlapping): no
    module of an app's own layer imports any way in, its own app's API or admin included."""

    def is_way_in(module: str) -> bool:
        parts = module.split(".")
        return parts[1] in ("api", "web", "sheets") or (len(parts) > 2 and parts[2] in ("api", "admin", "web"))

    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("apps", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    upward = sorted(
        (module, imported)
        for module in graph.modules
        if module != "apps" and not is_way_in(module)
        for imported in graph.find_modules_directly_imported_by(module)
        if is_way_in(imported)
    )
    assert upward == []


@pytest.fixture
def apps_copy(tmp_path: Path) -> Path:
    target = tmp_path / "apps"
    shutil.copytree(ROOT / "apps", target, ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "*.html", "*.js", "*.css"))
    return target


def test_the_contracts_hold_today(apps_copy):
    result = lint(apps_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("projects/planted.py", "import apps.lights.selectors\n", "Apps import only downward"),  # domain → derived
        ("core/planted.py", "import apps.projects.models\n", "Apps import only downward"),  # kernel → domain
        ("organization/planted.py", "import apps.projects.api.serializers\n", "Nothing below the ways in"),
        ("web/planted.py", "import apps.api.viewsets\n", "The pages import no other way in"),
        ("projects/web/planted.py", "import apps.api.viewsets\n", "The pages import no other way in"),  # an app's pages
        ("stats/planted.py", "import apps.projects.web.dossier\n", "Nothing below the ways in"),
        ("lights/web/planted.py", "import apps.sheets.services\n", "The pages import no other way in"),
        ("projects/api/planted.py", "import apps.web.views\n", "The API imports no other way in"),
        ("lights/admin.py", "import apps.sheets.services\n", "The admin imports no other way in"),
        ("core/planted.py", "import seeds.demo\n", "apps/ imports neither the seeds nor the benchmarks"),
        ("reminders/planted.py", "from bench import portfolio\n", "apps/ imports neither the seeds nor the benchmarks"),
    ],
)
def test_a_planted_import_against_the_layers_breaks_a_contract(apps_copy, module, line, broken):
    path = apps_copy / module
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + line, encoding="utf-8")
    result = lint(apps_copy)
    assert result.returncode != 0
    assert re.search(re.escape(broken) + r".*BROKEN", result.stdout), result.stdout
