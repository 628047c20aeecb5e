"""What an uploaded workbook may be: its caps (settings or constants), the Chinese messages that
refuse it, and the size check of the upload itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from ..errors import SheetError

MB = 1024 * 1024
CHUNK = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, .et: the pre-2007 binary formats
# A workbook from Excel or WPS has a dozen parts, a few hundred with many sheets and pictures.
MAX_MEMBERS = 1000
# Sheet XML deflates 4–15 to 1 (measured on the template, generated sheets and a sheet of 150 000
# bordered empty cells); a zip bomb 1 000 to 1. Members under RATIO_FREE_BYTES are not judged.
MAX_RATIO = 100
RATIO_FREE_BYTES = 1 * MB
# Columns kept: a 调度表 has a few dozen; a sheet styled out to column XFD must not become
# millions of empty cells.
MAX_COLUMNS = 200
# Merged ranges: a 调度表 merges its title, its header and a leader down a few rows.
MAX_MERGES = 20_000
# Elements inside one <c> (value, formula, rich-text runs of an inline string).
MAX_CELL_ELEMENTS = 1000
# Number formats and cell styles (Excel's own limit is 64 000 cell formats).
MAX_STYLES = 100_000

NOT_XLSX = "文件不是 Excel 工作簿（.xlsx），无法读取。请上传用 Excel 或 WPS 保存的 .xlsx 文件。"
OLD_FORMAT = "这是旧版 Excel（.xls）或其他 Office 文件，系统只接受 .xlsx：请在 Excel 中“另存为”“Excel 工作簿（*.xlsx）”后再导入。"
DAMAGED = "文件已损坏：其中的“{name}”解压后与文件中记录的大小或校验值不符，无法导入。请在 Excel 中打开并重新保存后再导入。"
TOO_MANY_MEMBERS = "文件中有 {count} 个部件，超过 {cap} 个，不像是一张调度表，无法导入。"
TOO_LARGE_INFLATED = (
    "文件解压后超过 {cap_mb} MB（一次最多解压 {cap_mb} MB），不像是一张调度表，无法导入。请删去无关的工作表、图片后再导入，或分成几个文件。"
)
BOMB = "文件中的“{name}”压缩比超过 {ratio} 倍，不像是 Excel 保存的表格（可能是“压缩炸弹”），无法导入。"
TOO_MANY_ROWS = "工作表“{title}”超过 {cap} 行（第 {row} 行仍有内容），一次最多导入 {cap} 行，请分成几个文件。"
TOO_MANY_CELLS = (
    "工作表“{title}”的单元格超过 {cap} 个（含只设了格式的空单元格），一次最多读取 {cap} 个单元格："
    "请删去无关的行、列和格式后再导入，或分成几个文件。"
)
TOO_MANY_MERGES = "工作表“{title}”的合并单元格超过 {cap} 个，或合并的范围过大，无法导入：请取消不必要的合并单元格后再导入。"
TOO_MANY_STRINGS = "文件中的文字条目超过 {cap} 条，不像是一张调度表，无法导入。"


def max_bytes() -> int:
    return int(getattr(settings, "SHEETS_IMPORT_MAX_BYTES", 10 * MB))


def max_sheet_rows() -> int:
    return int(settings.SHEETS_IMPORT_MAX_ROWS)


def max_cells() -> int:
    return int(settings.SHEETS_IMPORT_MAX_CELLS)


def max_inflated() -> int:
    return int(settings.SHEETS_IMPORT_MAX_INFLATED_BYTES)


def check_size(size: int) -> None:
    """Refuse an empty or oversized upload before reading a byte of it."""
    if size <= 0:
        raise SheetError("文件是空的（0 字节），请选择填好的调度表。")
    limit = max_bytes()
    if size > limit:
        raise SheetError(
            f"文件太大（{size / MB:.1f} MB），一次最多导入 {limit / MB:.0f} MB。请删去无关的工作表、图片后再导入，或分成几个文件。"
        )


class InflateError(SheetError):
    """The zip was refused while (or before) inflating it; `inflated` is how many bytes were."""

    def __init__(self, message: str, inflated: int):
        super().__init__(message)
        self.inflated = inflated


Progress = Callable[[str, int, int], None]  # (phase, done, total)
