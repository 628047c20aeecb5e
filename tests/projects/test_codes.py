import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.projects.codes import check_project_code, normalize_project_code

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    "code",
    ["2024-433126-48-01-000123", "2020-330102-04-02-123456", "2027-110101-99-03-000001"],
)
def test_a_well_formed_national_code_is_accepted(code):
    result = check_project_code(code, today=TODAY)
    assert result.code == code
    assert not result.is_legacy
    assert result.warnings == []


def test_full_width_hyphens_and_spaces_from_excel_are_normalized():
    assert normalize_project_code(" 2024－433126—48–01-000123 ") == "2024-433126-48-01-000123"
    assert check_project_code("2024－433126－48－01－000123", today=TODAY).code == "2024-433126-48-01-000123"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("2024-433126-48-01-00012", "24位"),  # too short
        ("2024433126480100012345", "24位"),  # no hyphens
        ("2024-433126-48-1-0000123", "24位"),  # hyphen in the wrong place
        ("2024-43312A-48-01-000123", "24位"),  # letter
        ("2010-433126-48-01-000123", "年份段"),  # before the platform existed
        ("2030-433126-48-01-000123", "年份段"),  # more than a year ahead
        ("2024-993126-48-01-000123", "省级行政区划"),  # no province 99
        ("2024-713126-48-01-000123", "省级行政区划"),  # 71 is not on the mainland list
    ],
)
def test_a_malformed_code_is_rejected_with_a_chinese_message(code, fragment):
    with pytest.raises(ValidationError) as exc:
        check_project_code(code, today=TODAY)
    assert fragment in exc.value.messages[0]


def test_an_empty_code_is_rejected():
    with pytest.raises(ValidationError, match="不能为空"):
        check_project_code("  ", today=TODAY)


def test_a_legacy_code_is_rejected_unless_flagged():
    with pytest.raises(ValidationError, match="旧编码"):
        check_project_code("WH-2019-0087", today=TODAY)


def test_a_flagged_legacy_code_is_accepted_with_a_warning_never_silently():
    result = check_project_code("wh-2019-0087", allow_legacy=True, today=TODAY)
    assert result.is_legacy
    assert result.code == "WH-2019-0087"
    assert len(result.warnings) == 1
    assert "旧编码" in result.warnings[0]


def test_a_flagged_national_code_is_not_treated_as_legacy():
    result = check_project_code("2024-433126-48-01-000123", allow_legacy=True, today=TODAY)
    assert not result.is_legacy
    assert result.warnings == []


def test_legacy_codes_still_have_a_shape():
    with pytest.raises(ValidationError, match="旧编码只能"):
        check_project_code("项目<script>", allow_legacy=True, today=TODAY)
