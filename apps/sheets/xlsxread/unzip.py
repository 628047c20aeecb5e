"""The zip of an upload, inflated once and counted before anything is parsed."""

from __future__ import annotations

import copy
import zipfile
import zlib

from .limits import (
    BOMB,
    CHUNK,
    DAMAGED,
    MAX_MEMBERS,
    MAX_RATIO,
    MB,
    NOT_XLSX,
    RATIO_FREE_BYTES,
    TOO_LARGE_INFLATED,
    TOO_MANY_MEMBERS,
    InflateError,
)


def inflate_all(archive: zipfile.ZipFile, *, cap: int) -> int:
    """Inflate every member once, counting the bytes that come out and keeping none: refuse too
    many members, more than `cap` bytes in all, a member larger than it declared or inflating more
    than MAX_RATIO to 1. Returns the bytes inflated."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InflateError(TOO_MANY_MEMBERS.format(count=len(infos), cap=MAX_MEMBERS), 0)
    cap_mb = f"{cap / MB:.0f}" if cap >= MB else f"{cap / MB:.2f}"
    # What the zip declares is checked first (refusing costs nothing), then what it really holds.
    if sum(info.file_size for info in infos) > cap:
        raise InflateError(TOO_LARGE_INFLATED.format(cap_mb=cap_mb), 0)
    for info in infos:
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InflateError(BOMB.format(name=info.filename[:80], ratio=MAX_RATIO), 0)
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        count = 0
        # zipfile would stop at the declared size (and check the CRC there); asked for one byte
        # more, it shows whether the member really ends where it says.
        probe = copy.copy(info)
        probe.file_size = info.file_size + 1
        try:
            with archive.open(probe) as member:
                while chunk := member.read(CHUNK):
                    count += len(chunk)
                    total += len(chunk)
                    if count > info.file_size:
                        raise InflateError(DAMAGED.format(name=info.filename[:80]), total)
                    if total > cap:
                        raise InflateError(TOO_LARGE_INFLATED.format(cap_mb=cap_mb), total)
                    if count > RATIO_FREE_BYTES and count > MAX_RATIO * max(info.compress_size, 1):
                        raise InflateError(BOMB.format(name=info.filename[:80], ratio=MAX_RATIO), total)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise InflateError(DAMAGED.format(name=info.filename[:80]), total) from None
        except (RuntimeError, NotImplementedError, OSError, ValueError):  # encrypted, an unknown compression
            raise InflateError(NOT_XLSX, total) from None
        if count != info.file_size:
            raise InflateError(DAMAGED.format(name=info.filename[:80]), total)
    return total
