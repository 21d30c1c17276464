"""Blob store throughput next to a raw write of the same bytes through the same library.

Distinct random blobs of photo sizes (log-uniform 50 kB - 2 MB, seeded), in one run:
  local  dozor  media.store put(bytes) / put_file(path): hash, exists check, temp file, fsync, rename,
                fsync of the directory ("fsync" rows), or without the fsyncs ("no fsync" rows)
         raw    fsspec LocalFileSystem writes of the same bytes to plain names: open/write/fsync for the
                "fsync" rows, pipe_file / put_file for the "no fsync" rows
  s3     dozor  the same store on s3fs against the local stack's S3Proxy
         raw    s3fs pipe_file / put_file of the same bytes to plain keys
plus re-puts of blobs already stored (the dedup no-op). Median of --rounds; dozor and raw alternate.

    .venv/bin/python bench/bench_store.py [--blobs 120] [--rounds 3] [--dir /var/tmp] [--no-s3]

S3 needs the local stack's S3Proxy (`dozor stack up`); the bench writes under a unique prefix in its
bucket and deletes it at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dozor import settings as cfg
from dozor.stack.s3proxy_node import LOCAL_BUCKET
from media.settings import MediaSettings
from media.store import BlobStore, open_store


@dataclass
class Case:
    backend: str
    operation: str
    store: BlobStore
    raw_root: str
    dozor: Callable[[], object]
    raw: Callable[[str], object]  # writes under the given directory


def make_blobs(n: int, seed: int = 12) -> list[bytes]:
    rng = random.Random(seed)
    lo, hi = math.log(50_000), math.log(2_000_000)
    return [rng.randbytes(int(math.exp(rng.uniform(lo, hi)))) for _ in range(n)]


def clear(fs: Any, root: str) -> None:
    """Remove every file under root (one by one: S3Proxy refuses botocore's batch delete)."""
    for path, info in fs.find(root, detail=True).items():
        if info["type"] == "file":
            fs.rm_file(path)


def cases(
    backend: str, stores: dict[str, BlobStore], raw_root: str, blobs: list[bytes], sources: list[Path]
) -> list[Case]:
    """put(bytes) and put_file per store, each next to the raw write that matches its durability
    (a store that fsyncs is compared with raw writes that fsync too)."""
    out = []
    for variant, store in stores.items():
        fs: Any = store.fs
        durable = store.fsync and store.local

        def write(path: str, chunks: Iterable[bytes], fs: Any = fs) -> None:
            with fs.open(path, "wb") as out_file:
                for chunk in chunks:
                    out_file.write(chunk)
                out_file.flush()
                os.fsync(out_file.fileno())

        def raw_put(d: str, fs: Any = fs, durable: bool = durable) -> None:
            for i, data in enumerate(blobs):
                if durable:
                    write(f"{d}/{i}", [data], fs)
                else:
                    fs.pipe_file(f"{d}/{i}", data)

        def raw_file(d: str, fs: Any = fs, durable: bool = durable) -> None:
            for i, src in enumerate(sources):
                if durable:
                    with src.open("rb") as fh:
                        write(f"{d}/{i}", iter(lambda fh=fh: fh.read(1 << 20), b""), fs)
                else:
                    fs.put_file(str(src), f"{d}/{i}")

        out.append(
            Case(backend, f"put(bytes){variant}", store, raw_root, lambda s=store: [s.put(b) for b in blobs], raw_put)
        )
        out.append(
            Case(
                backend,
                f"put_file{variant}",
                store,
                raw_root,
                lambda s=store: [s.put_file(p) for p in sources],
                raw_file,
            )
        )
    return out


def run(case: Case, rounds: int) -> tuple[float, float]:
    """Median seconds of (dozor, raw) over the rounds; each starts empty (emptying is not timed)."""
    d_times, r_times = [], []
    for r in range(rounds):
        for which in ("dozor", "raw") if r % 2 == 0 else ("raw", "dozor"):
            if which == "dozor":
                clear(case.store.fs, case.store.root)
                start = time.perf_counter()
                case.dozor()
                d_times.append(time.perf_counter() - start)
            else:
                clear(case.store.fs, case.raw_root)
                case.store.fs.makedirs(f"{case.raw_root}/{r}", exist_ok=True)
                start = time.perf_counter()
                case.raw(f"{case.raw_root}/{r}")
                r_times.append(time.perf_counter() - start)
    clear(case.store.fs, case.raw_root)
    return statistics.median(d_times), statistics.median(r_times)


def reput_rate(store: BlobStore, blobs: list[bytes]) -> float:
    for data in blobs:
        store.put(data)
    start = time.perf_counter()
    for data in blobs:
        store.put(data)
    return len(blobs) / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blobs", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default="/var/tmp", help="where the local stores and source files go")
    ap.add_argument("--no-s3", action="store_true", help="skip the S3 backend")
    args = ap.parse_args()

    blobs = make_blobs(args.blobs)
    total = sum(map(len, blobs))
    work = Path(tempfile.mkdtemp(prefix="dozor-bench-store-", dir=args.dir))
    src_dir = work / "sources"
    src_dir.mkdir()
    sources = []
    for i, data in enumerate(blobs):
        sources.append(src_dir / f"{i}.jpg")
        sources[-1].write_bytes(data)
    print(
        f"{len(blobs)} distinct blobs, {min(map(len, blobs)) / 1e3:.0f} kB - {max(map(len, blobs)) / 1e6:.2f} MB "
        f"(log-uniform), {total / 1e6:.1f} MB per pass; median of {args.rounds} rounds; local under {work}",
        flush=True,
    )

    def local(name: str, fsync: bool) -> BlobStore:
        return open_store(cfg.load(MediaSettings, media_url=(work / name).as_uri(), media_fsync=fsync))

    local_stores = {" fsync": local("store-fsync", True), " no fsync": local("store-nofsync", False)}
    all_cases = cases("local", local_stores, str(work / "raw"), blobs, sources)
    s3_store = None
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    if not args.no_s3:
        base = cfg.load(MediaSettings)
        bucket = base.media_bucket or LOCAL_BUCKET
        s3_store = open_store(cfg.load(MediaSettings, media_url=f"s3://{bucket}/{prefix}/store"))
        all_cases += cases("s3", {"": s3_store}, f"{bucket}/{prefix}/raw", blobs, sources)
    rows = []
    try:
        for case in all_cases:
            d, w = run(case, args.rounds)
            rows.append((case.backend, case.operation, d, w))
            mbs = f"dozor {total / d / 1e6:7.1f} MB/s  raw {total / w / 1e6:7.1f} MB/s"
            print(f"  {case.backend:5} {case.operation:20} {mbs}", flush=True)
        reputs = {"local": reput_rate(local_stores[" fsync"], blobs)}
        if s3_store is not None:
            reputs["s3"] = reput_rate(s3_store, blobs)
    finally:
        if s3_store is not None:
            clear(s3_store.fs, s3_store.root.rsplit("/", 1)[0])
        shutil.rmtree(work, ignore_errors=True)

    print("\nbackend  operation              dozor MB/s  blobs/s   raw MB/s  blobs/s   dozor/raw")
    n = len(blobs)
    for backend, op, d, w in rows:
        print(
            f"{backend:8} {op:22} {total / d / 1e6:10.1f} {n / d:8.0f} {total / w / 1e6:10.1f} {n / w:8.0f} "
            f"{w / d:11.2f}"
        )
    for backend, rate in reputs.items():
        print(f"{backend:8} {'re-put (stored: no-op)':22} {'':10} {rate:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
