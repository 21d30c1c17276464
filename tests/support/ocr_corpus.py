"""The OCR quality set: decree- and summons-like texts (tests/data/ocr_texts.yaml) rendered into a clean scan
and a noisy phone photo of paper (slight rotation, uneven light, paper texture, blur, JPEG), deterministically.

Fonts are DejaVu Serif/Sans from Debian's fonts-dejavu-core: the only Debian fonts here that carry every
Kazakh, Kyrgyz, Tajik and Uzbek Cyrillic letter (Liberation lacks қ ң ү ә ҷ ӯ ў ...).
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from enrich.analysis import analyze, query_languages

TEXTS = Path(__file__).resolve().parent.parent / "data" / "ocr_texts.yaml"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"), "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}


@dataclass(frozen=True)
class Document:
    id: str
    lang: str
    script: str
    title: str
    subtitle: str
    body: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    """One rendered image: its bytes, the text it shows (line by line) and its key words."""

    doc: Document
    kind: str  # "clean" (a scan, PNG) or "noisy" (a phone photo of paper, JPEG)
    data: bytes
    truth: str
    keywords: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.doc.id}/{self.kind}"


@cache
def documents() -> tuple[Document, ...]:
    raw = yaml.safe_load(TEXTS.read_text(encoding="utf-8"))["documents"]
    docs = tuple(Document(**{**d, "keywords": tuple(d["keywords"])}) for d in raw)
    for doc in docs:
        missing = [k for k in doc.keywords if k.lower() not in f"{doc.title} {doc.subtitle} {doc.body}".lower()]
        assert not missing, f"{doc.id}: key words not in the text: {missing}"
    return docs


@cache
def _font(face: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONTS[face][int(bold)]), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def render(doc: Document, *, face: str = "serif", size: int = 26, width: int = 1000, max_lines: int = 0) -> Sample:
    """A clean scan: black text on white (mode L), title and subtitle centred; ``max_lines`` > 0 keeps that
    many body lines (small images for the unit test)."""
    margin = size * 2
    inner = width - 2 * margin
    head = [(line, True) for line in _wrap(doc.title, _font(face, True, size), inner)]
    head += [(line, True) for line in _wrap(doc.subtitle, _font(face, True, size - 2), inner)]
    body = _wrap(doc.body, _font(face, False, size), inner)
    if max_lines:
        body = body[:max_lines]
    step = int(size * 1.55)
    image = Image.new("L", (width, 2 * margin + step * (len(head) + len(body)) + step // 2), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for line, _ in head:
        font = _font(face, True, size)
        draw.text(((width - font.getlength(line)) / 2, y), line, font=font, fill=0)
        y += step
    y += step // 2
    for line in body:
        draw.text((margin, y), line, font=_font(face, False, size), fill=0)
        y += step
    truth = "\n".join([line for line, _ in head] + body)
    shown = truth.lower()
    keywords = tuple(k for k in doc.keywords if k.lower() in shown)
    return Sample(doc, "clean", _encode(image, "PNG"), truth, keywords)


def photo(clean: Sample, seed: int = 0) -> Sample:
    """The same page as a phone photo: paper texture, ink, uneven light, a slight rotation on a desk, blur,
    a little downscaling and JPEG compression."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    page = Image.open(io.BytesIO(clean.data)).convert("L")
    ink = 1.0 - np.asarray(page, dtype=np.float32) / 255.0
    h, w = ink.shape
    # Paper: warm off-white with low-frequency blotches and grain.
    blotch = Image.fromarray((rng.random((h // 40 + 2, w // 40 + 2)) * 255).astype(np.uint8))
    blotch_arr = np.asarray(blotch.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0 - 0.5
    paper = np.array([244.0, 238.0, 224.0], dtype=np.float32) + 14.0 * blotch_arr[..., None]
    paper = paper + rng.normal(0.0, 5.0, (h, w, 1)).astype(np.float32)
    inked = paper * (1.0 - 0.86 * ink[..., None])
    # Uneven light: a linear falloff from one side plus a soft vignette.
    angle = pick.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (xx / w - 0.5) * np.cos(angle) + (yy / h - 0.5) * np.sin(angle)
    vignette = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 0.6
    light = np.clip(1.0 - 0.42 * (ramp + 0.5) - vignette, 0.45, 1.0)
    rgb = Image.fromarray(np.clip(inked * light[..., None], 0, 255).astype(np.uint8), "RGB")
    # On a desk, slightly rotated.
    desk = Image.new("RGB", (w + 80, h + 80), (96, 84, 70))
    desk.paste(rgb, (40, 40))
    tilted = desk.rotate(
        pick.uniform(-3.0, 3.0), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(96, 84, 70)
    )
    soft = tilted.filter(ImageFilter.GaussianBlur(0.8))
    scale = 0.9
    small = soft.resize((int(soft.width * scale), int(soft.height * scale)), Image.Resampling.LANCZOS)
    return Sample(clean.doc, "noisy", _encode(small, "JPEG", quality=62), clean.truth, clean.keywords)


def _encode(image: Image.Image, fmt: str, **options: int) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def samples(*, max_lines: int = 0, ids: tuple[str, ...] = (), seed: int = 0) -> list[Sample]:
    """A clean and a noisy sample of each document (or of the documents named in ``ids``)."""
    out: list[Sample] = []
    for i, doc in enumerate(documents()):
        if ids and doc.id not in ids:
            continue
        clean = render(doc, face="serif" if i % 2 == 0 else "sans", max_lines=max_lines)
        out += [clean, photo(clean, seed + i)]
    return out


_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bb\u02bc\u0060\u00b4']")
_QUOTES = re.compile(r"[«»“”„\"]")


def canonical(text: str) -> str:
    """Text compared for CER: NFC, apostrophe and quote variants unified, whitespace runs as one space."""
    text = unicodedata.normalize("NFC", text)
    text = _QUOTES.sub('"', _APOSTROPHES.sub("'", text))
    return " ".join(text.split())


def cer(truth: str, ocr: str) -> float:
    """Character error rate: edit distance over the length of the truth."""
    a, b = canonical(truth), canonical(ocr)
    return Levenshtein.distance(a, b) / max(1, len(a))


def findable(keyword: str, ocr_stem: str) -> bool:
    """Whether `dozor search KEYWORD` would match this image text: the term is analysed with every stemmer its
    script allows (the query side of DESIGN.md) and one variant's stems must all be in ``ocr_stem``."""
    stems = set(ocr_stem.split())
    for lang in query_languages(keyword, None):
        tokens = analyze(keyword, lang)
        if tokens and all(token in stems for token in tokens):
            return True
    return False
