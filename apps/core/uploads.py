"""Files users upload (批复文件, 销号佐证, 督办文书): accepted by what they are, kept under a random name.

What an approval archive holds, and so all that is accepted (by content; the name must agree):

- PDF — scans and issued approvals. Parsed (pypdf); refused when it carries JavaScript or a
  "launch a program" action: a filed document has no use for code.
- OFD — the national e-document format (GB/T 33190) that e-licences and e-approvals come in: a
  zip with ``OFD.xml`` at its root naming an existing document root.
- JPEG, PNG, WebP — photos of the site, scans. Fully decoded (Pillow), but kept byte for byte, not
  re-encoded: a photo's EXIF time and place are part of the evidence for 销号, a re-encoded scan
  loses quality, and a phone's motion photo carries data after the image that a re-encode would
  drop. What makes an image harmless here is the decode check, the markup check below, and
  serving it with its verified type, ``nosniff`` and a sandbox CSP.
- TIFF — what office scanners and fax servers still produce (often multi-page). Decoded too;
  browsers do not show it, so it is always a download.
- Word/Excel/PowerPoint as OOXML (docx, xlsx, pptx): a zip with the right main part. Refused with
  macros (vbaProject, the macro-enabled main parts), ActiveX controls or an embedded program
  package: macros are the classic carrier of malware in mail to offices, and no approval needs one.
- Word/Excel 97-2003 and WPS 文字/表格 (doc, xls, wps, et): government offices still send them, and
  WPS's own formats are built on them. OLE2 files with the right main stream; refused with VBA,
  Excel 4.0 macro sheets or an embedded program package.

Refused: everything else — HTML, SVG, XML, scripts, executables, plain text; old PowerPoint
(ppt/dps: its macros hide inside its main stream, out of this check's reach); and zip/rar/7z
bundles: a bundle hides its content from this check and the archive keeps one document per item,
so scans are merged into one PDF instead. A file whose extension does not match its content is
refused, and so is any file carrying HTML markup where a browser would look for it (a polyglot).

The check is `check_upload`; `UploadField` runs it as the model field's validator (every way in
that saves through `full_clean`: the API, the pages, the admin, commands) and `attach` runs it in
the services, which also record the uploader's file name and the verified type beside the file.
"""

from __future__ import annotations

import re
import struct
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import PurePosixPath

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible


@dataclass(frozen=True)
class Kind:
    """A type of file the archive accepts, as verified from its content."""

    key: str  # stored in <field>_type
    label: str  # named in messages
    extension: str  # of the stored name
    content_type: str  # served with it; never guessed from a name
    inline: bool = False  # shown in the browser (verified images and PDF) rather than downloaded


KINDS = {
    kind.key: kind
    for kind in (
        Kind("pdf", "PDF", ".pdf", "application/pdf", inline=True),
        Kind("ofd", "OFD", ".ofd", "application/ofd"),
        Kind("jpeg", "JPEG 图片", ".jpg", "image/jpeg", inline=True),
        Kind("png", "PNG 图片", ".png", "image/png", inline=True),
        Kind("webp", "WebP 图片", ".webp", "image/webp", inline=True),
        Kind("tiff", "TIFF 图片", ".tif", "image/tiff"),
        Kind("docx", "Word 文档", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        Kind("xlsx", "Excel 工作簿", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Kind("pptx", "PowerPoint 演示文稿", ".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        Kind("doc", "Word 97-2003/WPS 文字文档", ".doc", "application/msword"),
        Kind("xls", "Excel 97-2003/WPS 表格", ".xls", "application/vnd.ms-excel"),
    )
}
# The uploader's extension says which kind the content must be.
EXTENSION_KINDS = {
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".webp": "webp",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".pptx": "pptx",
    ".doc": "doc",
    ".wps": "doc",
    ".xls": "xls",
    ".et": "xls",
}
ACCEPTED = "PDF、OFD、图片（jpg、png、webp、tif）、Word（docx、doc、wps）、Excel（xlsx、xls、et）、PowerPoint（pptx）"
# For <input type=file accept=…>: a hint to the browser's file chooser, never a check.
ACCEPT_ATTRIBUTE = ",".join(EXTENSION_KINDS)


def max_size() -> int:
    return settings.UPLOAD_MAX_SIZE


def help_text() -> str:
    return f"可选。可上传 {ACCEPTED}，不超过 {max_size() // (1024 * 1024)} MB。"


class Refused(Exception):
    """Why a file is not accepted (Chinese, without the file's name)."""


# --- what the first bytes say --------------------------------------------------------------------

ZIP, OLE = "zip", "ole"
FAMILY = {"pdf": "pdf", "jpeg": "jpeg", "png": "png", "webp": "webp", "tiff": "tiff", "ofd": ZIP, "docx": ZIP, "xlsx": ZIP, "pptx": ZIP}
FAMILY |= {"doc": OLE, "xls": OLE}


def _family(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    return None


def _looks_like(head: bytes) -> str:
    """What a refused file's content seems to be, for the message."""
    family = _family(head)
    if family == ZIP:
        return "压缩包或其他格式的文档"
    if family == OLE:
        return "Office 97-2003 格式的文档"
    if family is not None:
        return KINDS[family].label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "SVG 图形"
    if text.startswith(b"<") or MARKUP.search(head):
        return "网页（HTML）或 XML"
    if head.startswith((b"MZ", b"\x7fELF", b"#!")):
        return "程序或脚本"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "压缩包"
    return "其他格式"


# HTML that a browser would run, anywhere in the file; and, where a browser sniffs (the first
# kilobyte), the start of any page or SVG. A polyglot passes the format check and carries these.
MARKUP = re.compile(rb"<(?:script|html|iframe|!doctype\s+html)[\s/>]", re.IGNORECASE)
SNIFFED_MARKUP = re.compile(rb"<(?:svg|body|head|meta|object|embed|img|\?xml-stylesheet)[\s/>]", re.IGNORECASE)


# --- the check -----------------------------------------------------------------------------------


def original_name(name: str | None) -> str:
    """The uploader's file name as shown and offered for download: no folders, no control characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    if len(base) > 200:  # keep the extension of a very long name
        suffix = PurePosixPath(base).suffix[:20]
        base = base[: 200 - len(suffix)] + suffix
    return base


def check_upload(file) -> Kind:
    """The verified kind of `file` (an uploaded or any Django File), or ValidationError in Chinese."""
    cached = getattr(file, "_upload_kind", None)
    if cached is not None:
        return cached
    name = original_name(getattr(file, "name", "")) or "文件"
    try:
        kind = _check(file, name)
    except Refused as refused:
        raise ValidationError(f"“{name}”{refused}", code="upload") from None
    file._upload_kind = kind  # checked once per request, whichever of the service or the validator comes first
    return kind


def _check(file, name: str) -> Kind:
    extension = PurePosixPath(name).suffix.lower()
    key = EXTENSION_KINDS.get(extension)
    if key is None:
        what = f" {extension} 文件" if extension else "没有扩展名的文件"
        raise Refused(f"：不接受{what}。可上传：{ACCEPTED}。")
    size = file.size
    if not size:
        raise Refused("是空文件。")
    if size > max_size():
        raise Refused(f"过大（{size / 1024 / 1024:.1f} MB），附件不能超过 {max_size() // (1024 * 1024)} MB。")
    file.seek(0)
    data = file.read(max_size() + 1)
    file.seek(0)
    if len(data) > max_size():
        raise Refused(f"过大，附件不能超过 {max_size() // (1024 * 1024)} MB。")
    kind = KINDS[key]
    if _family(data[:16]) != FAMILY[key]:
        raise Refused(f"的扩展名是 {extension}，内容却是{_looks_like(data[:1024])}：扩展名与内容不符，不能上传。可上传：{ACCEPTED}。")
    VERIFY[FAMILY[key]](data, kind)
    if MARKUP.search(data) or SNIFFED_MARKUP.search(data[:1024]):
        raise Refused(f"虽是 {kind.label}，但夹带网页代码（HTML/脚本），不能上传。")
    return kind


# --- per format ----------------------------------------------------------------------------------


def _name_pattern(name: str) -> bytes:
    """A PDF name as written, with any character possibly #xx-escaped (/J#61vaScript is /JavaScript)."""
    return b"".join(b"(?:%s|#%X|#%x)" % (re.escape(c.encode()), ord(c), ord(c)) for c in name)


PDF_ACTIVE = re.compile(rb"/(?:" + rb"|".join(_name_pattern(n) for n in ("JavaScript", "JS", "Launch")) + rb")(?![A-Za-z0-9#])")


def _pdf(data: bytes, kind: Kind) -> None:
    from pypdf import PdfReader

    if not re.match(rb"%PDF-[12]\.\d", data):
        raise Refused("不是有效的 PDF 文件。")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        # Encrypted with a password we do not have: its structure was read, its pages cannot be.
        locked = reader.is_encrypted and not _pdf_opens(reader)
        pages = 1 if locked else len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable PDF"
        raise Refused("不是有效的 PDF 文件（无法读取，可能已损坏或被改了扩展名）。") from exc
    if pages < 1:
        raise Refused("是没有页面的 PDF 文件。")
    if PDF_ACTIVE.search(data):
        raise Refused("含有脚本或启动程序的动作，不能上传；请用“打印为 PDF”另存后再上传。")


def _pdf_opens(reader) -> bool:
    try:
        return bool(reader.decrypt(""))  # an owner password alone opens with an empty user password
    except Exception:  # noqa: BLE001 - AES without a crypto library, a damaged encryption dictionary
        return False


def _image(data: bytes, kind: Kind) -> None:
    from PIL import Image

    pillow_format = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF"}[kind.key]
    with warnings.catch_warnings():
        # Pillow's limit on pixels (about 89 million: an A1 sheet at 300 dpi) guards the decoder's memory.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=[pillow_format]) as image:
                image.verify()
            with Image.open(BytesIO(data), formats=[pillow_format]) as image:
                if pillow_format == "JPEG":  # every coefficient is still decoded, at 1/64 of the memory
                    image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                for frame in range(getattr(image, "n_frames", 1)):
                    image.seek(frame)
                    image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Refused("图片像素过多（超过约 8900 万像素），请降低分辨率或转为 PDF 后上传。") from exc
        except Exception as exc:  # noqa: BLE001 - any decoder failure means "not a readable image"
            raise Refused(f"不是有效的 {kind.label}（无法解码，可能已损坏或被改了扩展名）。") from exc


OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
MACRO_TYPES = re.compile(r"macroenabled|vbaproject|ms-office\.activex", re.IGNORECASE)
PROGRAM_NAMES = re.compile(r"\.(?:exe|dll|scr|com|bat|cmd|js|jse|vbs|vbe|wsf|ps1|hta|lnk|msi|jar|cpl)$", re.IGNORECASE)
MEMBER_LIMIT = 5000
XML_LIMIT = 2 * 1024 * 1024


def _zip(data: bytes, kind: Kind) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # noqa: BLE001 - any zip failure means "not a readable document"
        raise Refused(f"不是有效的 {kind.label}（无法读取，可能已损坏或被改了扩展名）。") from exc
    if len(members) > MEMBER_LIMIT:
        raise Refused(f"不是有效的 {kind.label}（包含的部件过多）。")
    names = {m.filename for m in members}
    with archive:
        if kind.key == "ofd":
            _ofd(archive, names)
        else:
            _ooxml(archive, names, kind)


def _read_member(archive: zipfile.ZipFile, name: str, kind: Kind) -> bytes:
    try:
        with archive.open(name) as member:
            content = member.read(XML_LIMIT + 1)
    except Exception as exc:  # noqa: BLE001 - a damaged or encrypted member
        raise Refused(f"不是有效的 {kind.label}（部件 {name} 无法读取）。") from exc
    if len(content) > XML_LIMIT:
        raise Refused(f"不是有效的 {kind.label}（部件 {name} 过大）。")
    return content


def _xml_root(content: bytes, kind: Kind):
    from defusedxml import ElementTree

    try:
        return ElementTree.fromstring(content)
    except Exception as exc:  # noqa: BLE001 - malformed XML, or entities defusedxml forbids
        raise Refused(f"不是有效的 {kind.label}（内部 XML 无法解析）。") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ofd(archive: zipfile.ZipFile, names: set[str]) -> None:
    kind = KINDS["ofd"]
    if "OFD.xml" not in names:
        raise Refused("不是有效的 OFD 文件（根目录没有 OFD.xml）。")
    root = _xml_root(_read_member(archive, "OFD.xml", kind), kind)
    doc_roots = [el.text.strip().lstrip("/") for el in root.iter() if _local(el.tag) == "DocRoot" and el.text]
    if _local(root.tag) != "OFD" or not doc_roots or not all(path in names for path in doc_roots):
        raise Refused("不是有效的 OFD 文件（OFD.xml 未指向文档）。")


def _ooxml(archive: zipfile.ZipFile, names: set[str], kind: Kind) -> None:
    if "[Content_Types].xml" not in names:
        raise Refused(f"不是有效的 {kind.label}（缺少 [Content_Types].xml）。")
    root = _xml_root(_read_member(archive, "[Content_Types].xml", kind), kind)
    types = [el.get("ContentType", "") for el in root if _local(el.tag) in ("Override", "Default")]
    if any(MACRO_TYPES.search(t) for t in types) or any(_is_macro_part(n) for n in names):
        raise Refused("含有宏或 ActiveX 控件，不能上传；请另存为不含宏的文档（docx/xlsx/pptx）或 PDF 后上传。")
    if OOXML_MAIN[kind.key] not in types:
        other = next((KINDS[k].label for k, main in OOXML_MAIN.items() if main in types), None)
        found = f"内容却是{other}：扩展名与内容不符" if other else "缺少主文档部件"
        raise Refused(f"不是有效的 {kind.label}（{found}）。")
    for name in names:
        if PROGRAM_NAMES.search(name):
            raise Refused("内嵌了程序文件，不能上传。")
        if name.lower().endswith(".bin") and "/embeddings/" in name.lower():
            _embedded_ole(_read_embedded(archive, name, kind))


def _is_macro_part(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in lower


def _read_embedded(archive: zipfile.ZipFile, name: str, kind: Kind) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(max_size() + 1)
    except Exception as exc:  # noqa: BLE001 - a damaged member
        raise Refused(f"不是有效的 {kind.label}（嵌入对象 {name} 无法读取）。") from exc


def _embedded_ole(content: bytes) -> None:
    """An OLE object inside a document: refused when it is a packaged file (a program, a script)."""
    import olefile

    if not olefile.isOleFile(data=content[:1536]):
        return
    try:
        with olefile.OleFileIO(BytesIO(content)) as ole:
            entries = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
    except Exception:  # noqa: BLE001 - an object Office itself would not open runs nothing either
        return
    if any(entry.endswith("\x01ole10native") for entry in entries):
        raise Refused("内嵌了打包的文件（可能是程序），不能上传。")


OLE_MAIN = {"doc": ("worddocument",), "xls": ("workbook", "book")}
VBA_STORAGES = {"macros", "_vba_project_cur", "_vba_project", "vba"}
BIFF_BOUNDSHEET, BIFF_EOF = 0x0085, 0x000A
XLM_SHEET_TYPES = {0x01, 0x06}  # Excel 4.0 macro sheet, VBA module sheet


def _ole(data: bytes, kind: Kind) -> None:
    import olefile

    try:
        with olefile.OleFileIO(BytesIO(data)) as ole:
            paths = [tuple(part.lower() for part in path) for path in ole.listdir(streams=True, storages=True)]
            top = {path[0] for path in paths}
            main = next((stream for stream in OLE_MAIN[kind.key] if stream in top), None)
            workbook = ole.openstream(main).read() if kind.key == "xls" and main else b""
    except Exception as exc:  # noqa: BLE001 - any failure means "not a readable document"
        raise Refused(f"不是有效的 {kind.label}（无法读取，可能已损坏或被改了扩展名）。") from exc
    if main is None:
        other = next((KINDS[k].label for k, streams in OLE_MAIN.items() if k != kind.key and top & set(streams)), None)
        found = f"内容却是{other}：扩展名与内容不符" if other else "缺少正文"
        raise Refused(f"不是有效的 {kind.label}（{found}）。")
    if any(VBA_STORAGES & set(path) for path in paths) or _has_macro_sheet(workbook):
        raise Refused("含有宏，不能上传；请另存为不含宏的文档或 PDF 后上传。")
    if any(path[-1] == "\x01ole10native" for path in paths):
        raise Refused("内嵌了打包的文件（可能是程序），不能上传。")


def _has_macro_sheet(workbook: bytes) -> bool:
    """Excel 4.0 (XLM) macro sheets are listed in the workbook globals as BOUNDSHEET records of
    their own sheet type, unencrypted even in a password-protected file ([MS-XLS] 2.4.28)."""
    pos = 0
    while pos + 4 <= len(workbook):
        record, length = struct.unpack_from("<HH", workbook, pos)
        body = workbook[pos + 4 : pos + 4 + length]
        if record == BIFF_BOUNDSHEET and len(body) >= 6 and body[5] in XLM_SHEET_TYPES:
            return True
        if record == BIFF_EOF:
            return False
        pos += 4 + length
    return False


VERIFY = {"pdf": _pdf, "jpeg": _image, "png": _image, "webp": _image, "tiff": _image, ZIP: _zip, OLE: _ole}


# --- the model field and the services' one call --------------------------------------------------


@deconstructible
class RandomName:
    """`<folder>/<year>/<month>/<uuid4 hex><extension of the verified kind>`: the uploader's name is
    never part of a URL, and no URL can be guessed from another."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        key = EXTENSION_KINDS.get(PurePosixPath(filename).suffix.lower())
        extension = KINDS[key].extension if key else ""
        return f"{self.folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def validate_upload(value) -> None:
    """Field validator: a new file must pass `check_upload`; a stored one was judged when it came in."""
    if getattr(value, "_committed", True):
        return
    check_upload(value.file)


class UploadField(models.FileField):
    """A file a user uploads: checked by content, stored under `RandomName(folder)`, served only by
    the media view to whoever the policy lets download its row's files. Its model declares beside it
    `<name>_name` (the uploader's file name) and `<name>_type` (the verified `Kind.key`), both
    `editable=False`; `attach` fills them."""

    default_validators = [validate_upload]

    def __init__(self, verbose_name=None, *, folder: str, **kwargs):
        self.folder = folder
        kwargs["upload_to"] = RandomName(folder)
        super().__init__(verbose_name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("upload_to", None)
        kwargs["folder"] = self.folder
        return name, path, args, kwargs

    @property
    def name_field(self) -> str:
        return f"{self.name}_name"

    @property
    def type_field(self) -> str:
        return f"{self.name}_type"


def attach(instance: models.Model, field_name: str, file) -> Kind:
    """Put an uploaded `file` on `instance.<field_name>` once it passes the check, with the uploader's
    name and the verified kind beside it; a refusal is a ValidationError on that field."""
    field = instance._meta.get_field(field_name)
    try:
        kind = check_upload(file)
    except ValidationError as exc:
        raise ValidationError({field_name: exc.messages}) from None
    setattr(instance, field_name, file)
    setattr(instance, field.name_field, original_name(file.name))
    setattr(instance, field.type_field, kind.key)
    return kind


# --- finding and serving a stored file -----------------------------------------------------------

# Stored names, new (uuid hex) and old (Django's get_valid_name: letters, digits, - _ .).
STORED_NAME = re.compile(r"[-\w.]+(?:/[-\w.]+)*")


@cache
def upload_fields() -> tuple[tuple[type[models.Model], UploadField], ...]:
    """Every UploadField of every installed model (the kernel imports no app: it asks Django)."""
    return tuple(
        (model, field) for model in django_apps.get_models() for field in model._meta.concrete_fields if isinstance(field, UploadField)
    )


def upload_owner(name: str) -> tuple[models.Model, UploadField] | None:
    """The row whose file is stored as `name`, and its field; None for a name no row references
    (an odd path, a folder, a replaced or orphaned file)."""
    if len(name) > 255 or not STORED_NAME.fullmatch(name) or ".." in name.split("/"):
        return None
    folder = name.split("/", 1)[0]
    for model, field in upload_fields():
        if field.folder == folder:
            row = model._default_manager.filter(**{field.name: name}).first()
            if row is not None:
                return row, field
    return None


def display_name(row: models.Model, field: UploadField) -> str:
    """The uploader's file name; for a file stored before names were kept, its stored name."""
    return getattr(row, field.name_field) or PurePosixPath(getattr(row, field.name).name).name


def served_kind(row: models.Model, field: UploadField) -> Kind | None:
    """The kind verified on upload; None for a file stored before the check (served as a download)."""
    return KINDS.get(getattr(row, field.type_field))
