"""Text inside images: Tesseract (Debian's libtesseract, in-process through tesserocr).

Per image: a tilted page is straightened (media/ocr_prep.py); Tesseract's layout analysis gives the text lines,
and pages with small text are upscaled; Tesseract binarizes with Sauvola's adaptive threshold (uneven light in
phone photos defeats the default global Otsu); words under a confidence floor (page edges, desk texture) are
dropped. Packs come from the channel's languages (media/ocr_langs.py): when they span Cyrillic and Latin, a
few middle lines are read first with one pack per script to learn the script and language; when the text turns
out to be in a language whose pack was not used, it is read again with it. bench/bench_ocr.py measures each step.
"""

from __future__ import annotations

import os

# libtesseract runs OpenMP threads that fight each other (and other workers) for cores; one thread per worker
# process is Tesseract's advice for throughput. Read by libgomp when tesserocr loads it, so set before the import.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import math
import re
import statistics
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tesserocr
from PIL import Image
from tesserocr import OEM, PSM, RIL, PyTessBaseAPI, iterate_level

from dozor.errors import ConfigError
from media import ocr_langs, ocr_prep

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
Box = tuple[int, int, int, int]
# The language of a text: (ISO 639-1 or "und", confidence 0..1, ISO 15924 script). The OCR stage passes the
# enricher's detector (enrich.language.detect): media sits below enrich and gets it handed in.
Detect = Callable[[str], tuple[str, float, str]]
UNDETERMINED = "und"
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass(frozen=True)
class Layout:
    lines: list[Box]
    word_heights: list[int]


def _box(raw: Any) -> Box | None:
    if not raw or raw[2] <= raw[0] or raw[3] <= raw[1]:
        return None
    return (int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]))


@dataclass(frozen=True)
class OcrOptions:
    tessdata: Path | None = None  # None: TESSDATA_PREFIX, libtesseract's default, then Debian's path
    max_packs: int = ocr_langs.DEFAULT_MAX_PACKS
    min_line_conf: float = 50.0  # lines Tesseract is less sure of (mean word confidence, 0-100) are dropped
    min_word_conf: float = 20.0  # and so are such words in the lines kept
    sauvola: bool = True
    deskew: bool = True
    upscale: bool = True
    refine: bool = True  # read again in the language the text turns out to be in, when its pack was not used
    other_script_below: float = 75.0  # mean confidence under which the other script is tried too
    min_text_px: int = 14  # pages whose median word box is lower are upscaled towards target_text_px
    target_text_px: int = 22
    max_pixels: int = 16_000_000  # upscaling stops here
    timeout_ms: int = 60_000
    cached_apis: int = 3  # loaded pack combinations kept (each holds its models: ~10-40 MB)


@dataclass(frozen=True)
class OcrResult:
    text: str
    packs: tuple[str, ...]
    script: str  # of the text read: Cyrl, Latn, ... or Zyyy when none
    confidence: float  # mean Tesseract confidence (0-100) of the words kept
    words: int
    rotated: float = 0.0  # degrees the page was turned to straighten its lines
    scale: float = 1.0
    passes: int = 1  # full recognitions (a probe of a few lines not counted)
    timed_out: bool = False

    @property
    def weight(self) -> float:
        """Confident characters: how two readings of the same image compare."""
        return self.confidence * len(self.text.replace(" ", ""))


def find_tessdata(configured: Path | None = None) -> Path:
    """The directory of *.traineddata files, or a ConfigError naming the fix."""
    options = [configured] if configured else []
    if not configured:
        if os.environ.get("TESSDATA_PREFIX"):
            options.append(Path(os.environ["TESSDATA_PREFIX"]))
        options += [Path(tesserocr.get_languages()[0]), DEBIAN_TESSDATA]
    for path in options:
        if path and path.is_dir() and any(path.glob("*.traineddata")):
            return path
    where = configured or DEBIAN_TESSDATA
    raise ConfigError(
        f"no Tesseract language packs in {where}: install tesseract-ocr-rus (and -eng -ukr -uzb -uzb-cyrl -kaz "
        "-kir -tgk) or set DOZOR_OCR_TESSDATA to the directory of the *.traineddata files"
    )


class OcrEngine:
    """Reads images; holds a few initialised Tesseract instances (one per pack combination, LRU)."""

    def __init__(self, detect: Detect, options: OcrOptions | None = None) -> None:
        self.detect = detect
        self.options = options or OcrOptions()
        self.tessdata = find_tessdata(self.options.tessdata)
        self.installed = frozenset(tesserocr.get_languages(f"{self.tessdata}/")[1])
        if "rus" not in self.installed and "eng" not in self.installed:
            raise ConfigError(f"{self.tessdata} has neither rus nor eng: install tesseract-ocr-rus tesseract-ocr-eng")
        self._apis: OrderedDict[str, PyTessBaseAPI] = OrderedDict()

    def close(self) -> None:
        while self._apis:
            self._apis.popitem()[1].End()

    def __enter__(self) -> OcrEngine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---- reading ---------------------------------------------------------------------------------

    def read(self, image: Image.Image, languages: Sequence[str]) -> OcrResult:
        """The text of ``image``, read in the most likely of ``languages`` (ISO 639-1, most likely first)."""
        langs = [lang for lang in languages if ocr_langs.supported(lang)] or list(ocr_langs.DEFAULT_LANGUAGES)
        gray = image if image.mode == "L" else image.convert("L")
        scripts = ocr_langs.scripts_of(langs)
        first = self._packs(langs, scripts[0])
        layout_api = self._api(first)
        rotated = ocr_prep.skew_degrees(gray) if self.options.deskew else 0.0
        rotated = rotated if abs(rotated) >= 0.5 else 0.0
        straight = ocr_prep.straighten(gray, rotated) if rotated else gray
        layout = self._layout(layout_api, straight)
        lines = layout.lines
        if not lines:
            return OcrResult("", tuple(first), "Zyyy", 0.0, 0, rotated=rotated, passes=0)
        page, scale = self._upscale(straight, layout)
        script, packs = scripts[0], first
        if len(scripts) > 1:
            if len(lines) <= 4:  # a probe would read it all: one pass with a pack per script instead
                packs = self._installed(ocr_langs.probe_packs(langs))
            elif probe := self._probe(straight, lines, scale, langs):
                script, langs = probe
                packs = self._packs(langs, script)
        # Unless the page was scaled, the layout just analysed is still loaded in layout_api.
        result = self._recognize(packs, page, layout_api if page is straight else None, rotated, scale)
        if len(scripts) == 1 and result.confidence < self.options.other_script_below:
            # A pack of the wrong script reads garbage with low confidence: Latin text in a Cyrillic channel.
            other = ocr_langs.LATN if scripts[0] == ocr_langs.CYRL else ocr_langs.CYRL
            result = _better(result, self._recognize(self._packs(langs, other), page, None, rotated, scale))
        if self.options.refine:
            result = self._refine(result, page, rotated, scale)
        return result

    def _refine(self, result: OcrResult, page: Image.Image, rotated: float, scale: float) -> OcrResult:
        lang, score, script = self.detect(result.text)
        if lang == UNDETERMINED or score < 0.5 or result.words < 3:
            return result
        better = ocr_langs.refine(result.packs, lang, script, self.options.max_packs)
        if better is None or not set(better) <= self.installed:
            return result
        return _better(result, self._recognize(better, page, None, rotated, scale))

    def _probe(
        self, gray: Image.Image, lines: list[Box], scale: float, langs: list[str]
    ) -> tuple[str, list[str]] | None:
        """Read up to four middle lines with one pack per script: (script, languages reordered) or None."""
        middle = sorted(lines, key=lambda b: b[1])[max(0, len(lines) // 2 - 2) :][:4]
        pad = 8
        box = (
            max(0, min(b[0] for b in middle) - pad),
            max(0, min(b[1] for b in middle) - pad),
            min(gray.width, max(b[2] for b in middle) + pad),
            min(gray.height, max(b[3] for b in middle) + pad),
        )
        crop = gray.crop(box)
        if scale != 1.0:
            crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.BICUBIC)
        api = self._api(self._installed(ocr_langs.probe_packs(langs)))
        api.SetImage(crop)
        api.Recognize(self.options.timeout_ms)
        text, _ = self._words(api)
        if len(_CYRILLIC.findall(text)) + len(_LATIN.findall(text)) < 10:
            return None
        script = _script(text)
        lang, _, _ = self.detect(text)
        ordered = [lang, *langs] if ocr_langs.supported(lang) and lang not in langs[:1] else langs
        return script, list(dict.fromkeys(ordered))

    def _recognize(
        self, packs: Sequence[str], page: Image.Image, layout: PyTessBaseAPI | None, rotated: float, scale: float
    ) -> OcrResult:
        api = self._api(packs)
        if api is not layout:
            api.SetImage(page)
        done = api.Recognize(self.options.timeout_ms)
        text, confidences = self._words(api) if done else ("", [])
        script = _script(text)
        mean = round(statistics.fmean(confidences), 1) if confidences else 0.0
        return OcrResult(text, tuple(packs), script, mean, len(confidences), rotated, scale, timed_out=not done)

    def _words(self, api: PyTessBaseAPI) -> tuple[str, list[float]]:
        """The text of the lines Tesseract is reasonably sure of, minus its least sure words; line and paragraph
        breaks kept. Junk (page edges, desk texture, a photo's background) comes as whole low-confidence lines."""
        iterator = api.GetIterator()
        if iterator is None:
            return "", []
        lines: list[tuple[str, list[tuple[str, float]]]] = []
        for word in iterate_level(iterator, RIL.WORD):
            if not lines or word.IsAtBeginningOf(RIL.TEXTLINE):
                lines.append(("\n\n" if word.IsAtBeginningOf(RIL.PARA) else "\n", []))
            text = (word.GetUTF8Text(RIL.WORD) or "").strip()
            if text:
                lines[-1][1].append((text, float(word.Confidence(RIL.WORD))))
        parts: list[str] = []
        confidences: list[float] = []
        for brk, words in lines:
            if not words or statistics.fmean(c for _, c in words) < self.options.min_line_conf:
                continue
            kept = [(t, c) for t, c in words if c >= self.options.min_word_conf]
            if kept:
                parts += [brk if parts else "", " ".join(t for t, _ in kept)]
                confidences += [c for _, c in kept]
        return "".join(parts), confidences

    # ---- page geometry ---------------------------------------------------------------------------

    def _layout(self, api: PyTessBaseAPI, page: Image.Image) -> Layout:
        """Text lines and word heights from Tesseract's layout analysis."""
        api.SetImage(page)
        iterator = api.AnalyseLayout()
        if iterator is None:
            return Layout([], [])
        lines: list[Box] = []
        heights: list[int] = []
        for word in iterate_level(iterator, RIL.WORD):
            if word.IsAtBeginningOf(RIL.TEXTLINE) and (line := _box(word.BoundingBox(RIL.TEXTLINE))):
                lines.append(line)
            if box := _box(word.BoundingBox(RIL.WORD)):
                heights.append(box[3] - box[1])
        return Layout(lines, heights)

    def _upscale(self, page: Image.Image, layout: Layout) -> tuple[Image.Image, float]:
        """Small text (median word box under min_text_px) scaled up towards target_text_px."""
        opts = self.options
        text_px = statistics.median(layout.word_heights) if layout.word_heights else 0
        if not opts.upscale or not 0 < text_px < opts.min_text_px:
            return page, 1.0
        room = math.sqrt(opts.max_pixels / (page.width * page.height))
        scale = min(3.0, opts.target_text_px / text_px, room)
        if scale <= 1.05:
            return page, 1.0
        size = (round(page.width * scale), round(page.height * scale))
        return page.resize(size, Image.Resampling.LANCZOS), scale

    # ---- Tesseract instances ---------------------------------------------------------------------

    def _packs(self, langs: Sequence[str], script: str) -> list[str]:
        wanted = ocr_langs.packs_for(langs, script, len(ocr_langs.PACKS))
        installed = [p for p in wanted if p in self.installed]
        fallback = ocr_langs.SCRIPT_DEFAULT[script]
        return (installed or [fallback if fallback in self.installed else sorted(self.installed)[0]])[
            : self.options.max_packs
        ]

    def _installed(self, packs: Sequence[str]) -> list[str]:
        return [p for p in packs if p in self.installed] or [self._packs([], ocr_langs.CYRL)[0]]

    def _api(self, packs: Sequence[str]) -> PyTessBaseAPI:
        key = "+".join(packs)
        api = self._apis.pop(key, None)
        if api is None:
            while len(self._apis) >= max(1, self.options.cached_apis):
                self._apis.popitem(last=False)[1].End()
            api = PyTessBaseAPI(path=f"{self.tessdata}/", lang=key, psm=PSM.AUTO, oem=OEM.LSTM_ONLY)
            if self.options.sauvola:
                api.SetVariable("thresholding_method", "2")
        self._apis[key] = api
        return api


def _script(text: str) -> str:
    """Cyrl or Latn by letter count (the only scripts the packs read), Zyyy without letters."""
    cyrl, latn = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if not cyrl and not latn:
        return "Zyyy"
    return ocr_langs.CYRL if cyrl >= latn else ocr_langs.LATN


def _better(first: OcrResult, second: OcrResult) -> OcrResult:
    winner = second if second.weight > first.weight else first
    return replace(winner, passes=first.passes + second.passes)


def version() -> str:
    """libtesseract's version line (what tesserocr was built against)."""
    first: Any = tesserocr.tesseract_version().splitlines()[0]
    return str(first)
