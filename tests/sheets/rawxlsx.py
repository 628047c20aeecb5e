"""Workbooks written part by part, for the files an office never sends: 100 000 rows with no (or a
false) <dimension>, zip bombs, members whose declared size lies. openpyxl would take minutes to
write 100 000 rows and cannot write a lie; these take a second and stay small on disk."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="调度表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def _cell(ref: str, value) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Iterable[Iterable], *, dimension: str | None = None) -> Iterable[bytes]:
    """The worksheet part in pieces: `rows` from A1, with `<dimension ref=…>` or none at all."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        yield f'<row r="{r}">{cells}</row>'.encode()
    yield b"</sheetData></worksheet>"


def workbook(
    sheet: Iterable[bytes] | bytes,
    *,
    shared_strings: str | None = None,
    styles: str | None = None,
    date1904: bool = False,
    extra: dict[str, bytes] | None = None,
    level: int = 6,
) -> bytes:
    """A minimal .xlsx: content types, relationships, one sheet; a shared-strings part and a
    stylesheet when given; `extra` members as they are."""
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    if shared_strings is not None:
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        rels.append(f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>')
    workbook_xml = WORKBOOK.replace("<sheets>", '<workbookPr date1904="1"/><sheets>') if date1904 else WORKBOOK
    types = CONTENT_TYPES
    if shared_strings is not None:
        types = types.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/></Types>')
    if styles is not None:
        types = types.replace("</Types>", f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/></Types>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook_xml)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            for piece in [sheet] if isinstance(sheet, bytes) else sheet:
                part.write(piece)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{shared_strings}</sst>')
        if styles is not None:
            z.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def raw_sheet(body: str, *, before: str = "", after: str = "") -> bytes:
    """A worksheet part whose <sheetData> is `body`, as written."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{before}<sheetData>{body}</sheetData>{after}</worksheet>'.encode()
    )


def many_rows(n: int, *, dimension: str | None = None) -> bytes:
    """A header (项目名称, 计划总投资) and `n` tiny project rows."""
    rows = ([f"p{i}", 1] for i in range(1, n + 1))
    return workbook(sheet_xml([["项目名称", "计划总投资"], *rows], dimension=dimension))


def zeros_member(size: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    """`size` bytes of XML-ish padding that deflates about a thousand to one."""
    block = b" " * chunk
    for _ in range(size // chunk):
        yield block
    yield b" " * (size % chunk)


def padded(content: bytes, name: str, size: int) -> bytes:
    """`content` (an .xlsx) with `size` spaces after the end of its member `name` (whitespace after
    the root element is still XML): honest sizes, a thousand to one."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in source.infolist():
            if info.filename != name:
                z.writestr(info, source.read(info))
                continue
            with z.open(name, "w") as part:
                part.write(source.read(info))
                for piece in zeros_member(size):
                    part.write(piece)
    return buf.getvalue()


def lying(content: bytes, name: str, declared: int) -> bytes:
    """`content` with member `name`'s declared uncompressed size (local header and central
    directory) rewritten to `declared` bytes and its CRC to that of its first `declared` bytes: a
    reader that believes the zip reads those and stops, never seeing the rest; one that counts what
    it inflates sees the truth."""
    source = zipfile.ZipFile(io.BytesIO(content))
    info = source.getinfo(name)
    if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
        raise ValueError("zip64 members are not rewritten here")
    with source.open(info) as member:
        crc = zlib.crc32(member.read(declared)) & 0xFFFFFFFF
    data = bytearray(content)
    # local file header: signature, version, flags, method, time, date, crc, csize, usize
    offset = info.header_offset
    assert data[offset : offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, offset + 14, crc)
    struct.pack_into("<I", data, offset + 22, declared)
    # its central directory entry: crc at +16, usize at +24, name length at +28, offset at +42
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name.encode() and struct.unpack_from("<I", data, central + 42)[0] == offset:
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, declared)
            return bytes(data)
        central = data.find(b"PK\x01\x02", central + 4)
    raise ValueError(f"no central directory entry for {name}")
