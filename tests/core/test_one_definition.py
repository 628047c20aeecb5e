"""Each notion is defined once (apps/projects/notions.py, apps/milestones/notions.py,
apps/workcalendar/periods.py): this test reads the code of every app (comments and strings left out)
and fails when the shape of a definition appears anywhere else — a second "live project" filter, a
second 在建 or 开复工 rule, month arithmetic, a second month/12. A reader that needs the notion
calls the module; a new exception needs a line in ALLOWED saying why."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"

NOTIONS = {
    "live project (not archived, not withdrawn)": (
        r"archived_at__isnull|archived_at\s+is\s+None|PoolStage\.WITHDRAWN",
        {"apps/projects/notions.py"},
    ),
    "started / resumed / finished by a day (开工, 复工, 竣工 cut-offs)": (
        r"actual_start__lte|actual_start__lt\b|resume_date__lte|actual_finish__lte",
        {"apps/projects/notions.py"},
    ),
    "the 续建 roles": (r"AnnualRole\.CONTINUING\s*,\s*AnnualRole\.COMPLETING", {"apps/projects/notions.py"}),
    "month arithmetic (a month's last day, the next or previous month, quarters)": (
        r"monthrange|month\s*%\s*12|month\s*==\s*12\)|month\s*-\s*1\b|\.month\s*\+\s*1\b",
        {"apps/workcalendar/periods.py"},
    ),
    "序时进度 by months (month/12)": (r"/\s*12\b", {"apps/workcalendar/periods.py"}),
    "due this year / done on time (milestones)": (
        r"planned_date__lt\b|actual_date__lte=F\(",
        {"apps/milestones/notions.py"},
    ),
}

# Places where the pattern is not a definition of the notion.
ALLOWED = {
    # Archiving a project sets the field; it does not decide what is live.
    ("apps/projects/services.py", "live project (not archived, not withdrawn)"),
    # OC4IDS maps each pool stage to a status code (退库 → cancelled): a code table, not a filter.
    ("apps/oc4ids/package.py", "live project (not archived, not withdrawn)"),
}


def _code(path: Path) -> str:
    """The file's code without comments and strings (docstrings explain the rules in words)."""
    out = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.STRING) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            continue
        out.append(tok.string)
    return " ".join(out)


def _sources() -> list[Path]:
    return [p for p in APPS.rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("notion", sorted(NOTIONS))
def test_each_notion_is_defined_in_one_place(notion):
    pattern, homes = NOTIONS[notion]
    found = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in homes or (rel, notion) in ALLOWED:
            continue
        if re.search(pattern, _code(path)):
            found.append(rel)
    assert not found, f"“{notion}”在 {homes} 之外又被定义了一次：{found}；请调用该模块。"


def test_the_check_finds_a_second_definition(tmp_path):
    """The scan is not blind: a module that filters live projects by hand is caught."""
    sample = tmp_path / "second.py"
    sample.write_text('qs = Project.objects.filter(archived_at__isnull=True)  # "archived_at__isnull" in a comment\n', encoding="utf-8")
    assert re.search(NOTIONS["live project (not archived, not withdrawn)"][0], _code(sample))
    docstring_only = tmp_path / "words.py"
    docstring_only.write_text('"""month/12 and archived_at__isnull in words"""\n', encoding="utf-8")
    assert not any(re.search(pattern, _code(docstring_only)) for pattern, _ in NOTIONS.values())
