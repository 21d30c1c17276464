"""``dozor evidence verify F.zip``: does every file match its recorded hash, and do the chain entries check
out (entry hashes, prev links, the hashes they record, Merkle paths to sealed roots, timestamps)?

Every problem is one line naming the file; an empty list means intact. A zip member whose bytes fail the
zip's own CRC is reported as damaged rather than raising.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dozor.errors import UsageError
from evidence import merkle, tsa
from evidence.chain import entry_problem, link_problem
from evidence.hashing import sha256_stream

FIXED = ("manifest.json", "SHA256SUMS")


class _Bundle:
    """A bundle as a zip file or as the directory it was extracted to."""

    def __init__(self, path: Path) -> None:
        self.dir = path if path.is_dir() else None
        self.zip: zipfile.ZipFile | None = None
        if self.dir is None:
            try:
                self.zip = zipfile.ZipFile(path)
            except FileNotFoundError:
                raise UsageError(f"{path}: no such file") from None
            except (zipfile.BadZipFile, OSError) as exc:
                raise UsageError(f"{path}: not a zip file ({exc})") from None

    def names(self) -> list[str]:
        if self.zip is not None:
            return [n for n in self.zip.namelist() if not n.endswith("/")]
        assert self.dir is not None
        return sorted(p.relative_to(self.dir).as_posix() for p in self.dir.rglob("*") if p.is_file())

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.zip is not None:
            with self.zip.open(name) as fh:
                yield fh
        else:
            assert self.dir is not None
            with (self.dir / name).open("rb") as fh:
                yield fh

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


@dataclass
class Report:
    problems: dict[str, list[str]] = field(default_factory=dict)  # path -> what is wrong with it
    files: int = 0
    entries: int = 0
    roots: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, path: str, problem: str) -> None:
        found = self.problems.setdefault(path, [])
        if problem not in found:
            found.append(problem)

    def lines(self) -> list[str]:
        """One line per file, naming it and what is wrong with it."""
        return [f"{path}: {'; '.join(problems)}" for path, problems in self.problems.items()]


def _hash_all(bundle: _Bundle, report: Report) -> dict[str, tuple[str, int]]:
    actual: dict[str, tuple[str, int]] = {}
    for name in bundle.names():
        try:
            with bundle.open(name) as fh:
                actual[name] = sha256_stream(fh)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            report.add(name, f"damaged, cannot be read ({exc})")
    return actual


def _check_files(manifest: dict[str, Any], sums: str, actual: dict[str, tuple[str, int]], report: Report) -> None:
    recorded: dict[str, dict[str, str]] = {}  # path -> {where recorded: sha256}
    for f in manifest.get("files") or []:
        recorded.setdefault(str(f.get("path")), {})["manifest.json"] = str(f.get("sha256"))
    for line in sums.splitlines():
        want, _, path = line.partition("  ")
        recorded.setdefault(path, {})["SHA256SUMS"] = want
    for path, where in recorded.items():
        if path not in actual:
            report.add(path, "missing")
            continue
        wrong = [name for name, sha in where.items() if sha != actual[path][0]]
        if wrong:
            report.add(path, f"changed (its SHA-256 does not match {' and '.join(wrong)})")
    for path in actual:
        if path not in recorded and path not in FIXED:
            report.add(path, "not part of the bundle (added after export)")
    report.files = len(recorded)


def _load_entries(bundle: _Bundle, manifest: dict[str, Any], report: Report) -> dict[int, dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    for ref in manifest.get("chain", {}).get("entries") or []:
        path, seq = str(ref.get("path")), ref.get("seq")
        try:
            entry = json.loads(bundle.read(path))
        except KeyError:
            continue  # reported as missing
        except (ValueError, OSError, zipfile.BadZipFile):
            report.add(path, "not a readable chain entry")
            continue
        problem = entry_problem(entry) if isinstance(entry, dict) else "not a chain entry"
        if problem is None and entry.get("seq") != seq:
            problem = f"is seq {entry.get('seq')} but the manifest says {seq}"
        if problem is not None:
            report.add(path, problem)
            continue
        entries[int(seq)] = entry
    for seq, entry in sorted(entries.items()):
        prev = entries.get(seq - 1)
        problem = link_problem(prev, entry) if prev is not None or seq == 1 else None
        if problem is not None:
            report.add(f"chain/entries/{seq:012d}.json", f"chain link broken: {problem}")
    report.entries = len(entries)
    return entries


def _check_coverage(
    manifest: dict[str, Any], entries: dict[int, dict[str, Any]], actual: dict[str, tuple[str, int]], report: Report
) -> None:
    """Each raw and media file is recorded by a chain entry about its post (when the post has entries)."""
    for post in manifest.get("posts") or []:
        mine = [entries[s] for s in post.get("entries") or [] if s in entries]
        for seq in post.get("entries") or []:
            if seq in entries and entries[seq].get("post_id") != post.get("id"):
                report.add(
                    f"chain/entries/{seq:012d}.json", f"is about {entries[seq].get('post_id')}, not {post['id']}"
                )
        if not post.get("entries"):
            continue
        raw = {e.get("raw_sha256") for e in mine}
        media = {sha for e in mine for sha in e.get("media_sha256") or []}
        for kind, recorded in (("raw", raw), ("media", media)):
            for path in post.get(kind) or []:
                got = actual.get(path)
                if got is not None and got[0] not in recorded and path not in report.problems:
                    report.add(path, f"no intact chain entry of {post['id']} records this file's SHA-256")


def _check_roots(
    bundle: _Bundle,
    manifest: dict[str, Any],
    entries: dict[int, dict[str, Any]],
    ca_override: bytes | None,
    report: Report,
) -> None:
    for root in manifest.get("chain", {}).get("roots") or []:
        day, path = root.get("day"), str(root.get("statement"))
        try:
            raw_statement = bundle.read(path)
            statement = json.loads(raw_statement)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            report.add(path, "root statement missing or unreadable")
            continue
        report.roots.append(str(day))
        if root.get("tsa"):
            ca_path = root.get("tsa_ca")
            ca = ca_override if ca_override is not None else _read_optional(bundle, ca_path)
            try:
                problem = tsa.check(bundle.read(str(root["tsa"])), raw_statement, ca)
            except KeyError:
                problem = None  # reported as missing
            if problem is not None:
                report.add(str(root["tsa"]), f"{problem} (root statement {path})")
            elif ca is None:
                report.notes.append(f"{day}: the timestamp covers the root; no CA to check its signature (--tsa-ca)")
            elif ca_override is None:
                report.notes.append(f"{day}: timestamp checked against the CA in the bundle ({ca_path})")
        for proof_path in root.get("proofs") or []:
            _check_proof(bundle, str(proof_path), statement, entries, report)


def _read_optional(bundle: _Bundle, path: Any) -> bytes | None:
    if not path:
        return None
    try:
        return bundle.read(str(path))
    except KeyError:
        return None


def _check_proof(
    bundle: _Bundle, path: str, statement: dict[str, Any], entries: dict[int, dict[str, Any]], report: Report
) -> None:
    try:
        proof = json.loads(bundle.read(path))
        seq = int(proof["seq"])
    except KeyError:
        return  # reported as missing
    except (ValueError, TypeError, OSError, zipfile.BadZipFile):
        report.add(path, "not a readable Merkle proof")
        return
    entry = entries.get(seq)
    if entry is None:
        report.add(path, f"proves seq {seq}, which is not an intact entry of the bundle")
        return
    size = int(statement.get("count") or 0)
    index = seq - int(statement.get("first_seq") or 0)
    ok = proof.get("tree_size") == size and proof.get("leaf_index") == index
    if not ok or not merkle.verify_inclusion(
        entry["entry_hash"], index, size, proof.get("path") or [], statement.get("root", "")
    ):
        report.add(path, f"does not lead from seq {seq} to the root of {statement.get('day')}")


def verify(path: Path, ca_pem: bytes | None = None) -> Report:
    report = Report()
    bundle = _Bundle(path)
    try:
        actual = _hash_all(bundle, report)
        if "manifest.json" not in actual:
            report.add("manifest.json", "missing or unreadable: not an evidence bundle, or it was removed")
            return report
        try:
            manifest = json.loads(bundle.read("manifest.json"))
            if not isinstance(manifest, dict):
                raise ValueError("not an object")
        except ValueError:
            report.add("manifest.json", "not valid JSON")
            return report
        sums = bundle.read("SHA256SUMS").decode("utf-8", "replace") if "SHA256SUMS" in actual else ""
        if not sums:
            report.add("SHA256SUMS", "missing or empty")
        _check_files(manifest, sums, actual, report)
        entries = _load_entries(bundle, manifest, report)
        _check_coverage(manifest, entries, actual, report)
        _check_roots(bundle, manifest, entries, ca_pem, report)
        return report
    finally:
        bundle.close()
