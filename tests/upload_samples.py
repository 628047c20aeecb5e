"""Small real files of every kind the upload check judges, made here (no binary fixtures): the ones
an approval archive holds, and the ones an attacker sends instead (HTML, SVG, renamed and polyglot
files, macro documents)."""

from __future__ import annotations

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

# What a hostile attachment runs when a browser renders it as a page in the site's origin.
SCRIPT = b"<script>document.title='PWNED';fetch('/hit-by-upload')</script>"
HTML = b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>\xe6\x89\xb9\xe5\xa4\x8d</title></head><body>" + SCRIPT + b"</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="fetch(\'/hit-by-upload\')">' + SCRIPT + b"</svg>"
# Starts like a PDF, is a page: what a sniffing browser renders as HTML.
PDF_HEADED_HTML = b"%PDF-1.4\n" + HTML


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf() -> bytes:
    """A one-page PDF (pypdf's own writer)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def polyglot_pdf() -> bytes:
    """A valid PDF that also carries a page after its end: a PDF reader opens it, a sniffing browser runs it."""
    return pdf() + b"\n" + HTML + b"\n"


def pdf_with_javascript() -> bytes:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('hi');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str, **save_args) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, fmt, **save_args)
    return out.getvalue()


def jpeg_with_script() -> bytes:
    """A real JPEG whose comment segment is a page (the classic image/HTML polyglot)."""
    return image("JPEG", comment=HTML)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _content_types(main_part: str, main_type: str, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main_type}"/>{extra}</Types>'
    ).encode()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
PPT_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCUMENT_XML = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>'


def docx() -> bytes:
    return _zip({"[Content_Types].xml": _content_types("/word/document.xml", WORD_MAIN), "word/document.xml": DOCUMENT_XML})


def docm_as_docx() -> bytes:
    """A macro-enabled Word document renamed .docx."""
    extra = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    return _zip(
        {
            "[Content_Types].xml": _content_types("/word/document.xml", WORD_MACRO_MAIN, extra),
            "word/document.xml": DOCUMENT_XML,
            "word/vbaProject.bin": ole({"VBA/dir": b"x"}),
        }
    )


def docx_with_package(program: bytes = b"MZ\x90\x00 a program") -> bytes:
    """A Word document with an embedded OLE package (the way a program rides inside a document)."""
    return _zip(
        {
            "[Content_Types].xml": _content_types("/word/document.xml", WORD_MAIN),
            "word/document.xml": DOCUMENT_XML,
            "word/embeddings/oleObject1.bin": ole({"\x01Ole10Native": program}),
        }
    )


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "批复"
    book.save(out)
    return out.getvalue()


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": _content_types("/ppt/presentation.xml", PPT_MAIN), "ppt/presentation.xml": b"<p:presentation/>"})


def ofd() -> bytes:
    return _zip(
        {
            "OFD.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1" DocType="OFD">'
                b"<ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                b"</ofd:DocBody></ofd:OFD>"
            ),
            "Doc_0/Document.xml": b'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>',
        }
    )


def zip_bundle() -> bytes:
    return _zip({"批复.pdf": pdf(), "说明.html": HTML})


# --- OLE2 compound files (Word/Excel 97-2003, WPS) ------------------------------------------------

END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512
MINI_CUTOFF = 4096


def ole(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (MS-CFB v3) holding `streams` ("Storage/Stream" paths). Each stream is
    padded to the mini-stream cutoff so that all live in regular sectors (no mini FAT needed)."""
    # directory: [name, type, children, data]; 0 is the root
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "kids": [], "data": b""}]
    folders = {"": 0}
    for path, content in streams.items():
        parent = ""
        for part in path.split("/")[:-1]:
            key = f"{parent}/{part}"
            if key not in folders:
                folders[key] = len(entries)
                entries.append({"name": part, "type": 1, "kids": [], "data": b""})
                entries[folders[parent]]["kids"].append(folders[key])
            parent = key
        entries.append({"name": path.split("/")[-1], "type": 2, "kids": [], "data": content.ljust(MINI_CUTOFF, b"\0")})
        entries[folders[parent]]["kids"].append(len(entries) - 1)
    dir_bytes = len(entries) * 128
    dir_sectors = -(-dir_bytes // SECTOR)
    fat = [FATSECT] + [i + 2 for i in range(dir_sectors - 1)] + [END]
    starts = {}
    for index, entry in enumerate(entries):
        if entry["type"] == 2:
            count = len(entry["data"]) // SECTOR
            starts[index] = len(fat)
            fat += [len(fat) + i + 1 for i in range(count - 1)] + [END]
    assert len(fat) <= SECTOR // 4, "one FAT sector is enough for these samples"
    fat += [FREE] * (SECTOR // 4 - len(fat))
    sibling = {}
    for entry in entries:
        for a, b in zip(entry["kids"], entry["kids"][1:], strict=False):
            sibling[a] = b
    directory = b""
    for index, entry in enumerate(entries):
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        kids = entry["kids"]
        directory += (
            name.ljust(64, b"\0")
            + struct.pack("<HBB", len(name), entry["type"], 1)
            + struct.pack("<III", NOSTREAM, sibling.get(index, NOSTREAM), kids[0] if kids else NOSTREAM)
            + b"\0" * 36
            + struct.pack("<IQ", starts.get(index, END if entry["type"] == 5 else 0), len(entry["data"]))
        )
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")
    difat = [0] + [FREE] * 108
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, MINI_CUTOFF, END, 0, END, 0)
        + struct.pack("<109I", *difat)
    )
    body = b"".join(entries[i]["data"] for i in sorted(starts))
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + body


def biff_workbook(sheet_type: int = 0x00) -> bytes:
    """A workbook stream's globals: BOF, one BOUNDSHEET of `sheet_type` (0 worksheet, 1 Excel 4.0 macro), EOF."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    name = b"Sheet1"
    boundsheet_body = struct.pack("<IBBBB", 0, 0, sheet_type, len(name), 0) + name
    boundsheet = struct.pack("<HH", 0x0085, len(boundsheet_body)) + boundsheet_body
    return bof + boundsheet + struct.pack("<HH", 0x000A, 0)


def doc() -> bytes:
    return ole({"WordDocument": b"\xec\xa5 word", "1Table": b"table"})


def doc_with_macros() -> bytes:
    return ole({"WordDocument": b"\xec\xa5 word", "1Table": b"table", "Macros/VBA/dir": b"vba"})


def xls(sheet_type: int = 0x00) -> bytes:
    return ole({"Workbook": biff_workbook(sheet_type)})
