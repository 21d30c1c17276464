"""Evidence bundles end to end on the real Elasticsearch: posts with versions and media (a directory-backed
blob store fake), chain entries from the evidence stage, a day sealed and timestamped by a loopback
`openssl ts` TSA; export, verify (Python and `dozor evidence verify`), `sha256sum -c`, and tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from dozor import es as des
from dozor.stream import run_in_memory
from evidence import bundle, roots
from evidence.chain import Chain, compute_hash
from evidence.hashing import canonical_json, sha256_hex
from evidence.settings import EvidenceSettings
from evidence.stage import EvidenceStage
from evidence.verify import verify
from search import index as ix
from tests.support.blobs import DirBlobs
from tests.support.stack import drop_indices
from tests.support.tsa import local_tsa

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
DAY = date(2026, 1, 5)
POST = "tg:100:1"
PLAIN = "tg:100:2"
CHANNEL = {"id": 100, "username": "chan", "title": "Chan", "category": "official", "country": "RU"}


@dataclass(frozen=True)
class World:
    settings: EvidenceSettings
    zip: Path
    ca_pem: Path
    raw: list[str]  # shas of the raw messages of POST
    photo: str
    thumb: str


def _at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def _index_posts(es: Elasticsearch, settings: EvidenceSettings, raw_edit: str, photo: str) -> None:
    from search.settings import SearchSettings

    ix.ensure_templates(es, SearchSettings(index_prefix=settings.index_prefix))
    month = ix.posts_index(settings, datetime(2026, 1, 5))
    media = [{"sha256": photo, "type": "photo", "status": "stored", "mime": "image/jpeg", "size": 6000}]
    es.index(index=month, id=POST, document={
        "id": POST, "channel": CHANNEL, "message_id": 1, "date": "2026-01-05T09:00:00Z", "text": "Повестка: явиться",
        "edit_date": "2026-01-05T09:30:00Z", "raw_sha256": raw_edit, "media": media})  # fmt: skip
    es.index(index=month, id=PLAIN, document={
        "id": PLAIN, "channel": CHANNEL, "message_id": 2, "date": "2026-01-05T10:00:00Z", "text": "Текст"})  # fmt: skip
    for kind, when, text in (("original", "09:00", "Повестка"), ("edit", "09:30", "Повестка: явиться")):
        es.index(index=ix.versions_index(settings), id=f"{POST}@{kind}:2026-01-05T{when}:00Z", document={
            "post_id": POST, "kind": kind, "version_at": f"2026-01-05T{when}:00Z", "text": text})  # fmt: skip
    es.indices.refresh(index=f"{settings.index_prefix}-*")


def _append(es: Elasticsearch, settings: EvidenceSettings, raw: list[str], photo: str, thumb: str) -> None:
    on_day = EvidenceStage(Chain(es, settings, clock=_at(datetime(2026, 1, 5, 12, tzinfo=UTC))))
    run_in_memory(on_day, [
        {"event": "new", "channel": CHANNEL, "message_id": 1, "raw_sha256": raw[0], "collector": "telethon:desk"},
        {"event": "edit", "channel": CHANNEL, "message_id": 1, "edit_date": "2026-01-05T09:30:00Z",
         "raw_sha256": raw[1], "collector": "telethon:desk"},
        {"event": "new", "channel": CHANNEL, "message_id": 2},
    ])  # fmt: skip
    item = {"sha256": photo, "type": "photo", "status": "stored", "thumb_sha256": thumb}
    run_in_memory(on_day, [{"channel": CHANNEL, "message_id": 1, "item": item}], topic="posts.media")
    later = EvidenceStage(Chain(es, settings, clock=_at(datetime(2026, 1, 6, 8, tzinfo=UTC))))
    run_in_memory(later, [{"event": "delete", "channel": CHANNEL, "message_id": 1}])
    assert on_day.appended == 5 and later.appended == 1


@pytest.fixture(scope="module")
def world(run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("evidence")
    base = EvidenceSettings(index_prefix=f"dz{run_id}-{uuid.uuid4().hex[:6]}")
    es = des.client(base)
    blobs = DirBlobs(tmp / "blobs")
    raw = [
        blobs.put(canonical_json({"_": "Message", "id": 1, "message": m})) for m in ("Повестка", "Повестка: явиться")
    ]
    photo, thumb = blobs.put(os.urandom(6000)), blobs.put(os.urandom(700))
    try:
        with local_tsa() as tsa:
            settings = base.model_copy(update={"evidence_tsa_url": tsa.url, "evidence_tsa_ca": tsa.ca_pem})
            _index_posts(es, settings, raw[1], photo)
            _append(es, settings, raw, photo, thumb)
            chain = Chain(es, settings)
            assert roots.seal(chain, settings, DAY, datetime(2026, 1, 7, tzinfo=UTC)) is not None
            out = tmp / "bundle.zip"
            bundle.export(es, settings, chain, blobs, [POST, PLAIN], out)
            ca = tmp / "ca.pem"
            ca.write_bytes(tsa.ca_pem.read_bytes())
        yield World(base, out, ca, raw, photo, thumb)
    finally:
        drop_indices(es, base)
        es.close()


def dozor(settings: EvidenceSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOZOR_INDEX_PREFIX": settings.index_prefix}
    return subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=120)


def _rewrite(src: Path, dst: Path, changes: dict[str, bytes | None], resum: bool = False) -> Path:
    """Copy a bundle with members replaced (or removed: None); ``resum`` also rewrites the manifest and
    SHA256SUMS to match, as a careful forger would."""
    with zipfile.ZipFile(src) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    for name, data in changes.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    if resum:
        manifest = json.loads(members["manifest.json"])
        for f in manifest["files"]:
            f["sha256"], f["size"] = sha256_hex(members[f["path"]]), len(members[f["path"]])
        members["manifest.json"] = json.dumps(manifest).encode()
        sums = [f"{sha256_hex(data)}  {name}\n" for name, data in sorted(members.items()) if name != "SHA256SUMS"]
        members["SHA256SUMS"] = "".join(sums).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst


def _member(world: World, prefix: str) -> str:
    with zipfile.ZipFile(world.zip) as zf:
        return next(n for n in sorted(zf.namelist()) if n.startswith(prefix))


def _read(world: World, name: str) -> bytes:
    with zipfile.ZipFile(world.zip) as zf:
        return zf.read(name)


def test_the_bundle_holds_what_was_collected(world: World) -> None:
    with zipfile.ZipFile(world.zip) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        readme = zf.read("README.txt").decode()
    base = "posts/tg_100_1"
    assert {f"{base}/raw/{world.raw[0]}.json", f"{base}/raw/{world.raw[1]}.json"} <= names
    assert {f"{base}/media/{world.photo}.jpg", f"{base}/media/{world.thumb}"} <= names
    assert {f"{base}/post.json", f"{base}/versions/001-original.json", f"{base}/versions/002-edit.json"} <= names
    assert {"chain/roots/2026-01-05.json", "chain/roots/2026-01-05.tsr", "chain/roots/2026-01-05-tsa-ca.pem"} <= names
    assert [e["seq"] for e in manifest["chain"]["entries"]] == [1, 2, 3, 4, 5, 6]
    post = next(p for p in manifest["posts"] if p["id"] == POST)
    assert post["entries"] == [1, 2, 4, 5, 6]  # seq 3 (the other post) is the link between 2 and 4
    assert [r["day"] for r in manifest["chain"]["roots"]] == ["2026-01-05"]  # Jan 6 is not sealed
    assert len(manifest["chain"]["roots"][0]["proofs"]) == 5
    assert manifest["missing"] == []
    assert "sha256sum -c SHA256SUMS" in readme and "openssl ts -verify" in readme


def test_round_trip_verifies_in_python_and_from_the_command_line(world: World) -> None:
    report = verify(world.zip)
    assert report.lines() == []
    assert (report.entries, report.roots) == (6, ["2026-01-05"])
    done = dozor(world.settings, "evidence", "verify", str(world.zip), "--tsa-ca", str(world.ca_pem))
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout and "sealed days: 2026-01-05" in done.stdout


def test_by_hand_sha256sum_the_readme_entry_check_and_openssl_ts(world: World, tmp_path: Path) -> None:
    with zipfile.ZipFile(world.zip) as zf:
        zf.extractall(tmp_path)
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.count(": OK") == len((tmp_path / "SHA256SUMS").read_text().splitlines())
    readme = (tmp_path / "README.txt").read_text()
    one_liner = next(line.strip() for line in readme.splitlines() if line.strip().startswith("python3 -c"))
    entry = sorted((tmp_path / "chain/entries").iterdir())[1]
    checked = subprocess.run(one_liner.replace("FILE", str(entry)), shell=True, capture_output=True, text=True)
    assert checked.stdout.startswith("OK 2 "), checked.stdout + checked.stderr
    ts = subprocess.run(
        ["openssl", "ts", "-verify", "-data", "chain/roots/2026-01-05.json", "-in", "chain/roots/2026-01-05.tsr",
         "-CAfile", "chain/roots/2026-01-05-tsa-ca.pem"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert "Verification: OK" in ts.stdout, ts.stdout + ts.stderr
    assert verify(tmp_path).lines() == []  # the extracted directory verifies too


def _flip(data: bytes, at: int = 10) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize("what", ["media", "manifest", "entry", "removed"])
def test_tampering_is_named(world: World, tmp_path: Path, what: str) -> None:
    media = _member(world, f"posts/tg_100_1/media/{world.photo}")
    entry = "chain/entries/000000000002.json"
    changed_entry = json.dumps({**json.loads(_read(world, entry)), "collector": "someone else"}).encode()
    manifest = _read(world, "manifest.json").replace(b'"created_at": "2', b'"created_at": "1')
    changes: dict[str, dict[str, bytes | None]] = {
        "media": {media: _flip(_read(world, media))},
        "manifest": {"manifest.json": manifest},
        "entry": {entry: changed_entry},
        "removed": {media: None},
    }
    change = changes[what]
    named = next(iter(change))
    lines = verify(_rewrite(world.zip, tmp_path / "t.zip", change)).lines()
    assert any(line.startswith(f"{named}: ") for line in lines), lines
    if what == "entry":
        why = "changed (its SHA-256 does not match manifest.json and SHA256SUMS)"
        assert f"{entry}: {why}; entry_hash does not match the entry's content" in lines
    if what == "removed":
        assert lines == [f"{media}: missing"]


def test_the_command_exits_1_and_names_each_change(world: World, tmp_path: Path) -> None:
    media = _member(world, f"posts/tg_100_1/media/{world.photo}")
    raw = f"posts/tg_100_1/raw/{world.raw[0]}.json"
    bad = _rewrite(world.zip, tmp_path / "t.zip", {media: _flip(_read(world, media)), raw: None})
    done = dozor(world.settings, "evidence", "verify", str(bad))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{media}: changed (its SHA-256 does not match manifest.json and SHA256SUMS)",
        f"{raw}: missing",
    ]
    assert "CHANGED (2 problems)" in done.stderr and "Traceback" not in done.stderr


def test_a_careful_forgery_is_still_caught(world: World, tmp_path: Path) -> None:
    """New bytes with manifest and SHA256SUMS rewritten to match: the chain entries and the timestamp object."""
    raw = f"posts/tg_100_1/raw/{world.raw[0]}.json"
    forged_raw = canonical_json({"_": "Message", "id": 1, "message": "Другой текст"})
    lines = verify(_rewrite(world.zip, tmp_path / "a.zip", {raw: forged_raw}, resum=True)).lines()
    assert lines == [f"{raw}: no intact chain entry of {POST} records this file's SHA-256"]
    # An entry rewritten with its hash recomputed: the next entry's link and the Merkle path object.
    entry_path = "chain/entries/000000000002.json"
    entry = {**json.loads(_read(world, entry_path)), "raw_sha256": sha256_hex(forged_raw)}
    entry["entry_hash"] = compute_hash(entry)
    lines = verify(_rewrite(world.zip, tmp_path / "b.zip", {entry_path: canonical_json(entry)}, resum=True)).lines()
    assert "chain/entries/000000000003.json: chain link broken: prev_hash is not the entry_hash of seq 2" in lines
    assert "chain/proofs/000000000002.json: does not lead from seq 2 to the root of 2026-01-05" in lines
    # A root statement rewritten (a new root): the RFC 3161 timestamp no longer covers it.
    statement = {**json.loads(_read(world, "chain/roots/2026-01-05.json")), "root": "0" * 64}
    forged = _rewrite(world.zip, tmp_path / "c.zip", {"chain/roots/2026-01-05.json": canonical_json(statement)}, True)
    lines = verify(forged, world.ca_pem.read_bytes()).lines()
    assert lines[0].startswith("chain/roots/2026-01-05.tsr: timestamp check failed: Mismatch between messages")


def test_a_member_damaged_inside_the_zip_is_named(world: World, tmp_path: Path) -> None:
    data = bytearray(world.zip.read_bytes())
    thumb = f"posts/tg_100_1/media/{world.thumb}"
    with zipfile.ZipFile(world.zip) as zf:
        info = zf.getinfo(thumb)
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 100  # inside its stored bytes
    data[at] ^= 0x01
    damaged = tmp_path / "d.zip"
    damaged.write_bytes(bytes(data))
    lines = verify(damaged).lines()
    assert lines and lines[0].startswith(f"{thumb}: damaged, cannot be read"), lines


def test_command_line_usage_and_a_bundle_without_blobs(world: World, tmp_path: Path) -> None:
    missing = dozor(world.settings, "evidence", "verify", str(tmp_path / "nope.zip"))
    assert (missing.returncode, missing.stderr.strip()) == (2, f"dozor: error: {tmp_path / 'nope.zip'}: no such file")
    (tmp_path / "not.zip").write_text("hello")
    assert dozor(world.settings, "evidence", "verify", str(tmp_path / "not.zip")).returncode == 2
    bad_id = dozor(world.settings, "evidence", "export", "tg:chan:1", "--output", str(tmp_path / "x.zip"))
    assert bad_id.returncode == 2 and "expected a post id like tg:" in bad_id.stderr
    unknown = dozor(world.settings, "evidence", "export", "tg:100:99", "--output", str(tmp_path / "x.zip"))
    assert unknown.returncode == 1 and "tg:100:99: no such post" in unknown.stderr
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "x.zip.partial").exists()
    # The plain post needs nothing from the blob store: the command exports it as is.
    out = tmp_path / "plain.zip"
    done = dozor(world.settings, "evidence", "export", PLAIN, "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 posts" in done.stdout and "sealed days: 2026-01-05" in done.stdout
    assert dozor(world.settings, "evidence", "verify", str(out)).returncode == 0
