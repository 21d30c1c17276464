"""Page preparation before Tesseract: straighten a tilted photo of paper.

Tesseract's layout analysis copes with a tilt of a degree or so; past that, on short pages, it cuts tilted lines
into side-by-side "columns" and reports no skew at all (bench/bench_ocr.py shows the damage). The skew is found
here instead by the classic projection profile: on a small ink map (dark against the local background, so
uneven light does not matter), the angle whose rotation makes the row sums most peaked is the text's.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

MAX_DEGREES = 6.0
_WORK_WIDTH = 700


def skew_degrees(gray: Image.Image, max_degrees: float = MAX_DEGREES) -> float:
    """The counter-clockwise turn in degrees that makes the text lines of ``gray`` horizontal (0.0 when unsure)."""
    scale = min(1.0, _WORK_WIDTH / max(1, gray.width))
    small = gray.resize((max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.BOX)
    if small.width < 40 or small.height < 40:
        return 0.0
    background = np.asarray(small.filter(ImageFilter.BoxBlur(12)), dtype=np.int16)
    ink = (np.asarray(small, dtype=np.int16) < background - 18).astype(np.uint8) * 255
    if ink.mean() < 0.5:  # blank: nothing to straighten
        return 0.0
    mask = Image.fromarray(ink, "L")

    def sharpness(degrees: float) -> float:
        rows = np.asarray(mask.rotate(degrees, resample=Image.Resampling.NEAREST), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    coarse = max(np.arange(-max_degrees, max_degrees + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=sharpness)
    return round(float(fine), 2)


def straighten(gray: Image.Image, degrees: float) -> Image.Image:
    """``gray`` turned by ``degrees`` (counter-clockwise), corners filled white like paper."""
    return gray.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
