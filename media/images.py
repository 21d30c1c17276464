"""Opening image files from untrusted channels without crashing or running out of memory.

The type comes from the bytes (Pillow's header parsers, limited to the formats listed in FORMATS; `filetype`
names what a non-image really is), never from the name. The header is read before any pixel is decoded, so a
50,000 x 50,000 PNG of a few kilobytes is refused on its declared size. Every refusal is a :class:`Refused` with
a one-line reason, which becomes the media item's status ``rejected`` and its ``reason``.
"""

from __future__ import annotations

import io
import mimetypes
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's well-trodden decoders only: the rarer plugins (EPS calls Ghostscript, FLI, PCX, ...) are not offered
# untrusted bytes at all.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp", "BMP": "image/bmp"}
MIME["TIFF"] = "image/tiff"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 30 * 2**20
    max_pixels: int = 36_000_000  # as declared by the header: an A4 page scanned at 600 dpi is ~35 MP
    work_pixels: int = 12_000_000  # larger images are decoded (JPEG) or shrunk (others) to about this


DEFAULT_LIMITS = Limits()


def configure(limits: Limits) -> None:
    """Put Pillow's process-wide guard (a warning past the cap, an error past twice it) at ``limits``; the
    functions below turn its warning into a refusal too, so both guards agree."""
    Image.MAX_IMAGE_PIXELS = limits.max_pixels


configure(DEFAULT_LIMITS)


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime: str
    width: int
    height: int
    note: str | None = None  # e.g. the name says JPEG, the bytes are PNG (read as PNG)


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Decoded:
    """The first frame as 8-bit grayscale (what OCR and the perceptual hash read), upright per EXIF."""

    image: Image.Image
    info: ImageInfo


def inspect(
    data: bytes, file_name: str | None = None, mime: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> ImageInfo | Refused:
    """Type and size from the header alone (no pixel is decoded)."""
    if not data:
        return Refused("empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        return Refused(f"{len(data):,} bytes is over the {limits.max_bytes:,}-byte cap for images")
    try:
        with _bomb_guard(), Image.open(io.BytesIO(data), formats=FORMATS) as image:
            fmt, (width, height) = image.format or "", image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return _bomb(exc, limits)
    except UnidentifiedImageError:
        return Refused(_not_an_image(data, file_name))
    except Exception as exc:  # a header parser choking on hostile bytes: any error is a refusal, not a crash
        return Refused(f"corrupt image header: {_first_line(exc)}")
    if width <= 0 or height <= 0:
        return Refused(f"image declares an empty size {width} x {height}")
    if width * height > limits.max_pixels:
        return Refused(f"decompression bomb: {width:,} x {height:,} pixels is over the {limits.max_pixels:,}-pixel cap")
    return ImageInfo(fmt, MIME.get(fmt, "image/" + fmt.lower()), width, height, _mismatch(fmt, file_name, mime))


def open_image(
    data: bytes, file_name: str | None = None, mime: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Decoded | Refused:
    """Inspect, then decode the first frame to grayscale within ``limits.work_pixels`` (or refuse)."""
    info = inspect(data, file_name, mime, limits)
    if isinstance(info, Refused):
        return info
    try:
        with _bomb_guard(), Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.format == "JPEG" and info.width * info.height > limits.work_pixels:
                # The JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding: big photos never exist at full size.
                image.draft("L", (info.width // 4, info.height // 4))
            image.load()
            gray = _grayscale(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return _bomb(exc, limits)
    except Exception as exc:  # truncated or corrupt pixel data, whatever the decoder raises
        return Refused(f"corrupt or truncated image: {_first_line(exc)}")
    return Decoded(_shrink(gray, limits.work_pixels), info)


def _grayscale(image: Image.Image) -> Image.Image:
    """8-bit gray; transparent areas become white paper (black text on a transparent PNG stays readable)."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        gray_alpha = image.convert("LA")
        paper = Image.new("L", image.size, 255)
        paper.paste(gray_alpha.getchannel("L"), mask=gray_alpha.getchannel("A"))
        return paper
    if image.mode.startswith(("I", "F")):  # 16/32-bit and float: stretch to 8 bits (convert() would clip)
        values = np.asarray(image, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        return Image.fromarray(((values - low) * (255.0 / max(high - low, 1e-6))).astype(np.uint8), "L")
    return image.convert("L")


def _shrink(image: Image.Image, max_pixels: int) -> Image.Image:
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image
    factor = 1
    while pixels / (factor * factor) > max_pixels:
        factor += 1
    return image.reduce(factor)


@contextmanager
def _bomb_guard() -> Iterator[None]:
    """Pillow's DecompressionBombWarning as an error (it only warns between one and two times the cap)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _not_an_image(data: bytes, file_name: str | None) -> str:
    kind = filetype.guess(data[:8192])
    named = f" named {PurePosixPath(file_name).name!r}" if file_name else ""
    if kind is None:
        return f"not an image: unrecognised bytes{named}"
    if kind.mime.startswith("image/"):
        return f"unsupported image type {kind.mime}{named}"
    return f"not an image: the bytes are {kind.mime} (.{kind.extension}){named}"


def _mismatch(fmt: str, file_name: str | None, mime: str | None) -> str | None:
    real = MIME.get(fmt, "")
    claims = []
    if file_name:
        by_name, _ = mimetypes.guess_type(PurePosixPath(file_name).name)
        if by_name and by_name != real:
            claims.append(f"the name {PurePosixPath(file_name).name!r} says {by_name}")
    if mime and mime.lower() != real and not (mime.lower() == "image/jpg" and real == "image/jpeg"):
        claims.append(f"the sender says {mime}")
    if not claims:
        return None
    return f"{' and '.join(claims)} but the bytes are {fmt}; read as {fmt}"


def _bomb(exc: Exception, limits: Limits) -> Refused:
    declared = re.search(r"\((\d+) pixels\)", str(exc))  # Pillow names the size before it decodes anything
    size = f"{int(declared.group(1)):,} pixels" if declared else "a size"
    return Refused(f"decompression bomb: the header declares {size}, over the {limits.max_pixels:,}-pixel cap")


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
