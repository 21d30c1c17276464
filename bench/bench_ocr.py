"""OCR quality and cost, side by side in one run (issue 12).

    .venv/bin/python bench/bench_ocr.py [--seed 1] [--quick]

1. Quality per language: every decree and summons of tests/data/ocr_texts.yaml in full, as a clean scan and as a
   noisy phone photo (seed 1 by default: other tilts and light than the unit test's seed 0), read through the OCR
   stage with the channel's language: CER clean / noisy and the share of key words `dozor search` finds.
2. Preprocessing, each step added in turn, on the noisy photos (and, for upscaling, on scans at half size).
3. Speed per core (process CPU time): the whole stage; one bare tesserocr pass; the tesseract CLI on the same
   image and pack (what pytesseract runs per image); decoding alone.
4. Peak RSS of an OCR worker process (VmHWM) reading every language and a 30-megapixel scan. Target <= 400 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from enrich.language import detect  # noqa: E402
from enrich.pipeline import default_enricher  # noqa: E402
from media.images import Decoded, open_image  # noqa: E402
from media.ocr import OcrEngine, OcrOptions  # noqa: E402
from media.ocr_stage import OcrStage, language_hints  # noqa: E402
from media.settings import MediaSettings  # noqa: E402
from media.store import BlobStore, open_store  # noqa: E402
from tests.support import ocr_corpus as corpus  # noqa: E402

SCRATCH = tempfile.TemporaryDirectory(prefix="bench-ocr-")


def store() -> BlobStore:
    """The real local blob store, in a scratch directory removed at exit."""
    return open_store(MediaSettings(media_url=(Path(SCRATCH.name) / os.urandom(4).hex()).as_uri(), media_fsync=False))


VARIANTS = [("ru", "Cyrl"), ("uz", "Latn"), ("uz", "Cyrl"), ("kk", "Cyrl"), ("ky", "Cyrl"), ("tg", "Cyrl")]
STEPS = [
    ("Tesseract defaults (Otsu, no deskew, no filter)", {"sauvola": False, "deskew": False, "upscale": False,
                                                          "min_line_conf": 0, "min_word_conf": 0, "refine": False}),
    ("+ Sauvola adaptive threshold", {"deskew": False, "upscale": False, "min_line_conf": 0, "min_word_conf": 0,
                                      "refine": False}),
    ("+ deskew (projection profile)", {"upscale": False, "min_line_conf": 0, "min_word_conf": 0, "refine": False}),
    ("+ confidence filter (lines < 50, words < 20)", {"upscale": False, "refine": False}),
]  # fmt: skip


def gray(sample: corpus.Sample) -> Image.Image:
    opened = open_image(sample.data)
    assert isinstance(opened, Decoded)
    return opened.image


def quality(samples: list[corpus.Sample]) -> None:
    blobs = store()
    rows: dict[tuple[str, str], dict[str, list[float]]] = {}
    with OcrEngine(detect) as engine:
        stage = OcrStage(blobs, engine, default_enricher().fields, language_hints())
        for i, s in enumerate(samples):
            record = {"schema": 1, "channel": {"id": 1, "languages": [s.doc.lang]}, "message_id": i,
                      "item": {"sha256": blobs.put(s.data).sha256, "type": "photo", "status": "stored"}}  # fmt: skip
            out = stage.process(record)
            assert out is not None
            row = rows.setdefault((s.doc.lang, s.doc.script), {"clean": [], "noisy": [], "kw": []})
            row[s.kind].append(corpus.cer(s.truth, out["item"]["ocr_text"]))
            row["kw"] += [float(corpus.findable(k, out["ocr_stem"])) for k in s.keywords]
    print("\n1. Quality (full documents, read with the channel's language)")
    print(f"{'language':12} {'docs':>4} {'CER clean':>10} {'CER noisy':>10} {'key words found':>16}")
    for (lang, script), row in rows.items():
        _quality_row(f"{lang} {script}", row["clean"], row["noisy"], row["kw"])
    every = {k: [v for row in rows.values() for v in row[k]] for k in ("clean", "noisy", "kw")}
    _quality_row("all", every["clean"], every["noisy"], every["kw"])
    print("targets: CER <= 5% clean, <= 12% noisy; >= 90% of key words found")


def _quality_row(label: str, clean: list[float], noisy: list[float], found: list[float]) -> None:
    cers = f"{statistics.fmean(clean):>10.2%} {statistics.fmean(noisy):>10.2%}"
    print(f"{label:12} {len(clean):>4} {cers} {sum(found):>6.0f}/{len(found):<3} {statistics.fmean(found):>5.0%}")


def preprocessing(samples: list[corpus.Sample]) -> None:
    noisy = [s for s in samples if s.kind == "noisy"]
    print(f"\n2. Preprocessing, steps added in turn ({len(noisy)} noisy photos; mean / worst CER, CPU s per image)")
    for label, overrides in STEPS:
        with OcrEngine(detect, OcrOptions(**overrides)) as engine:
            rates, cpu = _run(engine, noisy)
        print(f"  {label:50} {statistics.fmean(rates):>7.2%} {max(rates):>7.2%} {cpu:>6.2f}")
    for kind in ("noisy", "clean"):
        halves = [(s, _half(s)) for s in samples if s.kind == kind]
        print(f"  small text: the {len(halves)} {kind} images at half size (word boxes ~10 px)")
        for label, up in (("    without upscaling", False), ("    with upscaling to ~22 px", True)):
            with OcrEngine(detect, OcrOptions(upscale=up)) as engine:
                start = time.process_time()
                rates = [corpus.cer(s.truth, engine.read(im, [s.doc.lang]).text) for s, im in halves]
                cpu = (time.process_time() - start) / len(halves)
            print(f"  {label:50} {statistics.fmean(rates):>7.2%} {max(rates):>7.2%} {cpu:>6.2f}")


def _half(sample: corpus.Sample) -> Image.Image:
    image = gray(sample)
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def _run(engine: OcrEngine, samples: list[corpus.Sample]) -> tuple[list[float], float]:
    images = [gray(s) for s in samples]
    start = time.process_time()
    texts = [engine.read(im, [s.doc.lang]).text for s, im in zip(samples, images, strict=True)]
    cpu = (time.process_time() - start) / len(samples)
    return [corpus.cer(s.truth, t) for s, t in zip(samples, texts, strict=True)], cpu


def speed(samples: list[corpus.Sample]) -> None:
    import tesserocr

    blobs = store()
    records = [{"schema": 1, "channel": {"id": 1, "languages": [s.doc.lang]}, "message_id": i,
                "item": {"sha256": blobs.put(s.data).sha256, "type": "photo", "status": "stored"}}
               for i, s in enumerate(samples)]  # fmt: skip
    with OcrEngine(detect) as engine:
        stage = OcrStage(blobs, engine, default_enricher().fields, language_hints())
        stage.process(records[0])  # models loaded once, like a running worker
        start = time.process_time()
        for record in records:
            stage.process(record)
        whole = (time.process_time() - start) / len(records)
    pack = {("ru", "Cyrl"): "rus", ("uz", "Latn"): "uzb", ("uz", "Cyrl"): "uzb_cyrl", ("kk", "Cyrl"): "kaz",
            ("ky", "Cyrl"): "kir", ("tg", "Cyrl"): "tgk"}  # fmt: skip
    apis: dict[str, tesserocr.PyTessBaseAPI] = {}
    start = time.process_time()
    for s in samples:
        lang = pack[(s.doc.lang, s.doc.script)]
        api = apis.get(lang) or apis.setdefault(lang, tesserocr.PyTessBaseAPI(lang=lang, path=f"{engine.tessdata}/"))
        api.SetImage(gray(s))
        api.GetUTF8Text()
    bare = (time.process_time() - start) / len(samples)
    for api in apis.values():
        api.End()
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for i, s in enumerate(samples):
            path = Path(tmp) / f"{i}.png"
            gray(s).save(path)
            subprocess.run(["tesseract", str(path), "stdout", "-l", pack[(s.doc.lang, s.doc.script)]],
                           capture_output=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / len(samples)
    start = time.process_time()
    for s in samples:
        open_image(s.data)
    decode = (time.process_time() - start) / len(samples)
    print(f"\n3. Speed per core ({len(samples)} images ~1000 x 600 px; CPU seconds per image, images per CPU second)")
    for label, cost in (("OCR stage (decode, hash, deskew, OCR, enrich)", whole),
                        ("one bare tesserocr pass, same pack", bare),
                        ("tesseract CLI, same image and pack (= pytesseract)", cli),
                        ("decoding alone (Pillow)", decode)):  # fmt: skip
        print(f"  {label:52} {cost:>6.3f} s  {1 / cost:>7.2f}/s  x{cost / whole:.2f} of the stage")


_WORKER = """
import sys
sys.path.insert(0, sys.argv[1])
from enrich.pipeline import default_enricher
from media.ocr import OcrEngine
from media.ocr_stage import OcrStage, language_hints
from tests.support import ocr_corpus as corpus
from enrich.language import detect
from media.settings import MediaSettings
from media.store import open_store
blobs = open_store(MediaSettings(media_url=sys.argv[4], media_fsync=False))
samples = corpus.samples(seed=int(sys.argv[2]))
datas = [s.data for s in samples] + [open(sys.argv[3], "rb").read()]
with OcrEngine(detect) as engine:
    stage = OcrStage(blobs, engine, default_enricher().fields, language_hints())
    for i, data in enumerate(datas):
        lang = samples[i].doc.lang if i < len(samples) else "ru"
        stage.process({"schema": 1, "channel": {"id": 1, "languages": [lang]}, "message_id": i,
                       "item": {"sha256": blobs.put(data).sha256, "type": "photo", "status": "stored"}})
status = open("/proc/self/status").read()
print(int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:"))) // 1024)
"""


def worker_rss(seed: int) -> None:
    page = Image.open(io.BytesIO(corpus.render(corpus.documents()[0], size=130, width=6000).data))
    with tempfile.NamedTemporaryFile(suffix=".png") as scan:
        page.resize((6000, 5000)).save(scan, "PNG")  # a 30-megapixel scan, made outside the measured worker
        scan.flush()
        argv = [sys.executable, "-c", _WORKER, str(ROOT), str(seed), scan.name, (Path(SCRATCH.name) / "rss").as_uri()]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        proc = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    peak = int(proc.stdout.strip().splitlines()[-1])
    print(f"\n4. Peak RSS of an OCR worker (every language, 3 cached pack sets, one 30 MP scan): {peak} MB"
          f"   target <= 400 MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="noise seed of the photos (the unit test uses 0)")
    parser.add_argument("--quick", action="store_true", help="first 3 lines of each document only")
    args = parser.parse_args()
    samples = corpus.samples(seed=args.seed, max_lines=3 if args.quick else 0)
    import tesserocr

    print(f"OCR bench: {len(samples)} images ({len(samples) // 2} documents x clean/noisy), photo seed {args.seed}; "
          f"{tesserocr.tesseract_version().splitlines()[0]} via tesserocr {tesserocr.__version__}")  # fmt: skip
    quality(samples)
    preprocessing(samples)
    speed(samples)
    worker_rss(args.seed)


if __name__ == "__main__":
    main()
