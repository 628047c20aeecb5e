"""Reading an uploaded .xlsx without believing what it says about itself.

An .xlsx is a zip of XML parts, and every size in it is the sender's claim: the zip's declared
sizes, the sheet's <dimension>, its row and column numbers. Memory and time here are bounded by
caps counted on what is actually read, never by those claims:

Modules: limits (caps, messages, the upload's size), unzip (the counted inflation), events (expat),
workbook (XlsxFile: the parts), sheet (SheetReader: a worksheet).

- The zip: at most MAX_MEMBERS members. Before any XML is parsed, every member is inflated once
  through a counting loop (64 KB at a time, nothing kept): the total stops at
  SHEETS_IMPORT_MAX_INFLATED_BYTES; a member that inflates past its declared size (a lying header)
  or past MAX_RATIO times its compressed size (a zip bomb) is refused there. (Python's zipfile
  would quietly cut a member at its declared size; the loop asks it for one byte more.) After the
  loop every declared size is known to be true, so later reads are bounded by the cap.
- The XML: fed to expat as a stream of events, never built into a tree (only one <c> cell's few
  elements at a time). A DTD is refused: OOXML parts have none, and it is how entity-expansion
  bombs get in.
- The worksheet: rows, cells and merged ranges are counted as they stream past and reading stops
  at SHEETS_IMPORT_MAX_ROWS / SHEETS_IMPORT_MAX_CELLS / MAX_MERGES with a Chinese message that
  says the cap. <dimension> is never read. Only values are kept: one list per row that has one.
- Cell values are decoded by openpyxl's own WorkSheetParser.parse_cell (cell types, shared
  strings, dates by number format, the 1904 calendar, formulas), so a good sheet reads exactly as
  it did through openpyxl's load_workbook.

Why not openpyxl's read_only mode, which also streams: it sizes the sheet from <dimension> (a
false small one silently drops every row below it; a false large one pads every row to 16 384
cells and every gap to 1 048 576 rows), builds each <row> whole before yielding it (a row of
millions of cells is one tree), reads no merged cells, and loads the shared strings and styles
before any cap could apply. Its full mode (used before) holds every cell of every sheet as an
object: a 5 MB file of 100 000 rows took 620 MB and half a minute before its row count was known.
"""

from .limits import (
    CHUNK,
    MAX_COLUMNS,
    MAX_MEMBERS,
    MAX_MERGES,
    MB,
    NOT_XLSX,
    InflateError,
    Progress,
    check_size,
    max_bytes,
    max_cells,
    max_inflated,
    max_sheet_rows,
)
from .sheet import EMPTY_ROW, Grid, SheetRef
from .unzip import inflate_all
from .workbook import XlsxFile

__all__ = [
    "CHUNK",
    "EMPTY_ROW",
    "MAX_COLUMNS",
    "MAX_MEMBERS",
    "MAX_MERGES",
    "MB",
    "NOT_XLSX",
    "Grid",
    "InflateError",
    "Progress",
    "SheetRef",
    "XlsxFile",
    "check_size",
    "inflate_all",
    "max_bytes",
    "max_cells",
    "max_inflated",
    "max_sheet_rows",
]
