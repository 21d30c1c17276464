"""Hostile and broken image files for the safety tests and the bench (generated, tiny)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png_bomb(width: int = 50_000, height: int = 50_000, rows: int = 200) -> bytes:
    """A real PNG declaring ``width`` x ``height`` 8-bit gray pixels: a valid header and the first ``rows`` rows
    of zeros, zlib-compressed (a few kilobytes; decoding all of it would take ``width * height`` bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * ((width + 1) * rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo(fmt: str = "JPEG", size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size, (200, 180, 160))
    for x in range(0, size[0], 16):
        image.paste((20, 40, 60), (x, 0, x + 8, size[1]))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def corrupt(data: bytes) -> bytes:
    """The header intact, the compressed pixel data overwritten with garbage."""
    middle = len(data) // 3
    return data[:middle] + bytes((i * 37 + 11) % 256 for i in range(len(data) - middle))


def windows_exe() -> bytes:
    """The start of a PE executable (MZ header, DOS stub)."""
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + stub + b"\x00" * 400
