"""The design is in the repository: every document the code cites exists under docs/, and every
relative link in docs/ and the README resolves (a newcomer following them never lands on nothing)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_the_documents_the_code_cites_are_in_the_repository():
    cited = set()
    for path in (ROOT / "apps").rglob("*.py"):
        cited.update(re.findall(r"\b(DESIGN|DOMAIN|STYLE)\.md\b", path.read_text(encoding="utf-8")))
    assert cited, "the code cites the design documents"
    for name in cited:
        assert (ROOT / "docs" / "brief" / f"{name}.md").is_file(), name


def test_every_relative_link_in_the_docs_resolves():
    broken = []
    for path in _markdown_files():
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} → {target}")
    assert not broken, broken


def test_the_docs_index_lists_every_decision_record():
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for record in sorted((ROOT / "docs" / "decisions").glob("*.md")):
        assert f"decisions/{record.name}" in index, record.name
