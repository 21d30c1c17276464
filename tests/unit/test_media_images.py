"""Untrusted image files: every bad one is refused with a one-line reason, nothing crashes, memory stays bounded."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media.images import Decoded, Limits, Refused, inspect, open_image
from tests.support import bad_images as bad

ROOT = Path(__file__).resolve().parents[2]


def refused(result: Decoded | Refused) -> str:
    assert isinstance(result, Refused), result
    assert "\n" not in result.reason and result.reason
    return result.reason


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "empty.jpg", "empty file (0 bytes)"),
        (bad.truncated(bad.photo("JPEG")), "cut.jpg", "corrupt or truncated image"),
        (bad.truncated(bad.photo("PNG")), "cut.png", "corrupt or truncated image"),
        (bad.corrupt(bad.photo("JPEG")), "noise.jpg", "corrupt or truncated image"),
        (bad.corrupt(bad.photo("PNG")), "noise.png", "corrupt or truncated image"),
        (bad.photo("PNG")[:20], "header.png", "corrupt image header"),
        (
            bad.windows_exe(),
            "photo.jpg",
            "not an image: the bytes are application/x-msdownload (.exe) named 'photo.jpg'",
        ),
        (b"just some text, no picture", "scan.png", "not an image: unrecognised bytes named 'scan.png'"),
        (bad.png_bomb(), "bomb.png", "decompression bomb: the header declares 2,500,000,000 pixels"),
        (bad.png_bomb(8000, 8000, 10), "big.png", "decompression bomb: the header declares 64,000,000 pixels"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, name: str, expected: str) -> None:
    assert refused(open_image(data, name)).startswith(expected)


def test_the_bomb_is_refused_from_its_header_alone() -> None:
    bomb = bad.png_bomb()
    assert len(bomb) < 20_000
    assert refused(inspect(bomb)).startswith("decompression bomb")


def test_our_cap_applies_below_pillows_own() -> None:
    small_cap = Limits(max_pixels=50_000)
    assert "over the 50,000-pixel cap" in refused(open_image(bad.photo("PNG", (300, 200)), limits=small_cap))


def test_oversized_files_are_not_opened() -> None:
    assert "over the 100-byte cap" in refused(open_image(bad.photo(), limits=Limits(max_bytes=100)))


def test_a_name_that_lies_is_read_by_the_bytes_and_said() -> None:
    opened = open_image(bad.photo("PNG"), "photo.jpg", "image/jpeg")
    assert isinstance(opened, Decoded)
    assert opened.info.format == "PNG"
    assert opened.info.note == (
        "the name 'photo.jpg' says image/jpeg and the sender says image/jpeg but the bytes are PNG; read as PNG"
    )
    honest = open_image(bad.photo("JPEG"), "photo.jpeg", "image/jpeg")
    assert isinstance(honest, Decoded) and honest.info.note is None


def test_decoded_images_are_gray_and_transparent_areas_white() -> None:
    rgba = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (0, 0, 10, 20))  # black text on a transparent background
    out = io.BytesIO()
    rgba.save(out, "PNG")
    opened = open_image(out.getvalue())
    assert isinstance(opened, Decoded) and opened.image.mode == "L"
    assert opened.image.getpixel((5, 5)) == 0 and opened.image.getpixel((30, 5)) == 255


def test_sixteen_bit_images_are_stretched_not_clipped() -> None:
    ramp = (np.arange(256, dtype=np.uint16) * 64).reshape(1, 256).repeat(4, axis=0)
    out = io.BytesIO()
    Image.fromarray(ramp).save(out, "PNG")
    opened = open_image(out.getvalue())
    assert isinstance(opened, Decoded)
    row = np.asarray(opened.image)[0]
    assert row[0] == 0 and row[-1] == 255 and 100 < row[128] < 156


def test_large_jpegs_are_decoded_at_a_reduced_scale() -> None:
    opened = open_image(bad.photo("JPEG", (4000, 3000)), limits=Limits(work_pixels=1_000_000))
    assert isinstance(opened, Decoded)
    assert opened.info.width == 4000 and opened.image.width * opened.image.height <= 1_000_000


# Peak RSS from /proc (VmHWM belongs to the new process image; ru_maxrss would carry pytest's own peak over exec).
_RSS_PROBE = """
from media.images import open_image
from tests.support import bad_images as bad
files = [bad.png_bomb(), bad.png_bomb(8000, 8000, 10), bad.png_bomb(20_000, 20_000, 4000), bad.windows_exe(), b""]
for data in files * 20:
    open_image(data, "x.jpg")
status = open("/proc/self/status").read()
print(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024)
"""


def test_memory_stays_bounded_through_bombs() -> None:
    """Decoding the 20,000 x 20,000 bomb alone would take 400 MB; the process stays far below."""
    probe = subprocess.run([sys.executable, "-c", _RSS_PROBE], capture_output=True, text=True, check=True, cwd=ROOT)
    peak_mb = int(probe.stdout.strip())
    assert peak_mb < 150, peak_mb
