"""The XML of an .xlsx as a stream of expat events: never a tree, never a DTD."""

from __future__ import annotations

import zipfile
import zlib
from typing import Any
from xml.parsers import expat

from ..errors import SheetError
from .limits import CHUNK, NOT_XLSX

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# Element names as expat reports them with namespace_separator="}" (ElementTree adds a "{").
ROW = f"{NS_MAIN}}}row"
CELL = f"{NS_MAIN}}}c"
MERGE_CELL = f"{NS_MAIN}}}mergeCell"
SI = f"{NS_MAIN}}}si"
T = f"{NS_MAIN}}}t"
RUN = f"{NS_MAIN}}}r"
RELATIONSHIP = f"{NS_PKG_REL}}}Relationship"
SHEET = f"{NS_MAIN}}}sheet"
WORKBOOK_PR = f"{NS_MAIN}}}workbookPr"
NUM_FMT = f"{NS_MAIN}}}numFmt"
NUM_FMTS = f"{NS_MAIN}}}numFmts"
CELL_XFS = f"{NS_MAIN}}}cellXfs"
XF = f"{NS_MAIN}}}xf"
R_ID = f"{NS_REL}}}id"
IS_TAG = f"{{{NS_MAIN}}}is"  # as ElementTree names them, inside a built <c>
T_TAG = f"{{{NS_MAIN}}}t"


def _no_dtd(*args: Any) -> None:
    raise SheetError(NOT_XLSX)


def parse_events(stream, start, end=None, data=None) -> None:
    """Feed `stream` to expat in chunks, calling start(name, attrs), end(name) and data(text)."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    while chunk := stream.read(CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def et_name(name: str) -> str:
    """expat's "uri}local" as ElementTree's "{uri}local" (what openpyxl's parser compares)."""
    return "{" + name if "}" in name else name


# Exceptions that mean "this file is not a workbook we can read" (never our own SheetError, never
# a worker's time limit).
UNREADABLE = (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, IndexError, KeyError, TypeError)
