"""README.txt of an evidence bundle: what it holds and how to check it by hand."""

from __future__ import annotations

from typing import Any

_CHECK_ENTRY = (
    'python3 -c \'import hashlib,json,sys; e=json.load(open(sys.argv[1],encoding="utf-8")); h=e.pop("entry_hash"); '
    'c=json.dumps(e,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode(); '
    'print("OK" if hashlib.sha256(c).hexdigest()==h else "CHANGED", e["seq"], e["prev_hash"], h)\' FILE'
)


def text(manifest: dict[str, Any]) -> str:
    posts = manifest["posts"]
    roots = manifest["chain"]["roots"]
    lines = [
        "Dozor evidence bundle",
        "=====================",
        "",
        f"Created {manifest['created_at']} by Dozor {manifest['dozor_version']}.",
        f"Posts: {', '.join(p['id'] for p in posts)}",
        "",
        "What is inside",
        "--------------",
        "posts/<id>/raw/<sha256>.json   the message as collected (canonical JSON); its name is its SHA-256",
        "posts/<id>/media/<sha256>.*    media files as collected; the name is the file's SHA-256",
        "posts/<id>/post.json           the post as indexed (latest state); versions/ holds every version",
        "chain/entries/<seq>.json       evidence log entries about these posts, and the entry before each",
        "chain/roots/<day>.json         the root statement of a sealed day (Merkle tree over that day's entries)",
        "chain/roots/<day>.tsr          its RFC 3161 timestamp, when the day was timestamped",
        "chain/proofs/<seq>.json        the Merkle path from an entry to its day's root",
        "manifest.json                  every file with its SHA-256 and size; SHA256SUMS for sha256sum",
        "",
        "Check it with Dozor",
        "-------------------",
        "    dozor evidence verify THIS.zip        (exit 0: intact; 1: something changed, named line by line)",
        "",
        "Check it by hand",
        "----------------",
        "1. Every file is unchanged since export:",
        "       unzip THIS.zip -d bundle && cd bundle && sha256sum -c SHA256SUMS",
        "   Each raw/ and media/ file's SHA-256 is also its name: `sha256sum posts/*/media/*` shows both.",
        "2. Each chain entry is intact: its entry_hash is the SHA-256 of the entry without entry_hash, as",
        '   canonical JSON (keys sorted, separators "," and ":", UTF-8, no ASCII escaping):',
        f"       {_CHECK_ENTRY}",
        "3. The entries link up: an entry's prev_hash equals the entry_hash of the entry before it (seq - 1).",
        "4. The entries cover the files: a post entry's raw_sha256 is the name/hash of a raw/ file, a media",
        "   entry's media_sha256 lists the hash of a media/ file.",
    ]
    if roots:
        lines += [
            "5. Sealed days: chain/proofs/<seq>.json leads from the entry's hash to the root in",
            "   chain/roots/<day>.json (RFC 9162 Merkle tree: leaf = SHA-256(0x00 || entry hash),",
            "   node = SHA-256(0x01 || left || right)); `dozor evidence verify` recomputes it.",
            "6. The timestamp covers the root statement file exactly as it is; check it with OpenSSL and the",
            "   TSA's CA certificate (compare it with the one the TSA publishes):",
            "       openssl ts -verify -data chain/roots/<day>.json -in chain/roots/<day>.tsr \\",
            "           -CAfile chain/roots/<day>-tsa-ca.pem",
            "       openssl ts -reply -in chain/roots/<day>.tsr -text     (shows the time and the TSA)",
            "",
            "Sealed days in this bundle: " + ", ".join(r["day"] for r in roots),
        ]
    else:
        lines += ["", "None of these entries' days was sealed when this bundle was made: seal, then export again."]
    if manifest["missing"]:
        lines += ["", 'Not included (see manifest.json, "missing"):']
        lines += [f"  {m['post_id']} {m['what']} {m['sha256']}: {m['reason']}" for m in manifest["missing"]]
    return "\n".join(lines) + "\n"
