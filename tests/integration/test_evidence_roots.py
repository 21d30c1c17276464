"""Daily roots on the real Elasticsearch, timestamped by a real RFC 3161 TSA on loopback (`openssl ts`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from elasticsearch import Elasticsearch

from dozor.errors import DozorError, UsageError
from evidence import merkle, roots, tsa
from evidence.chain import Chain, Record, compute_hash, doc_id
from evidence.settings import EvidenceSettings
from search.settings import SearchSettings
from tests.support.tsa import LocalTSA, local_tsa

pytestmark = pytest.mark.integration

DAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 7, tzinfo=UTC)


@pytest.fixture()
def ev(ss: SearchSettings) -> EvidenceSettings:
    return EvidenceSettings(topic_prefix=ss.topic_prefix, index_prefix=ss.index_prefix)


@pytest.fixture(scope="module")
def authority() -> Iterator[LocalTSA]:
    with local_tsa() as running:
        yield running


def _at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def _fill(es: Elasticsearch, ev: EvidenceSettings) -> Chain:
    """Three entries on Jan 4, five on Jan 5, two on Jan 6."""
    for day, n in ((4, 3), (5, 5), (6, 2)):
        chain = Chain(es, ev, clock=_at(datetime(2026, 1, day, 12, tzinfo=UTC)))
        for i in range(n):
            chain.append(Record("post", f"tg:1:{day * 10 + i}", "new"))
    return Chain(es, ev)


def test_a_day_is_sealed_once_with_a_merkle_root_over_its_run(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = _fill(es, ev)
    assert roots.days_to_seal(chain, ev, NOW) == [date(2026, 1, 4), DAY]  # Jan 6 is not over + grace yet
    sealed = roots.seal(chain, ev, DAY, NOW)
    assert sealed is not None and sealed.outcome == "sealed"
    doc = sealed.doc
    hashes = [chain.get_many([s])[s]["entry_hash"] for s in range(4, 9)]
    assert (doc["first_seq"], doc["last_seq"], doc["count"]) == (4, 8, 5)
    assert doc["root"] == merkle.root(hashes) and doc["last_entry_hash"] == hashes[-1]
    assert doc["tsa"] is None
    again = roots.seal(chain, ev, DAY, NOW)
    assert again is not None and again.outcome == "already sealed"
    assert roots.days_to_seal(chain, ev, NOW) == [date(2026, 1, 4)]
    assert roots.seal(chain, ev, date(2026, 1, 3), NOW) is None  # nothing appended that day
    with pytest.raises(UsageError, match="not over yet"):
        roots.seal(chain, ev, date(2026, 1, 6), NOW)
    assert roots.check_roots(chain) == []


def test_a_log_changed_after_sealing_is_caught(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = _fill(es, ev)
    roots.seal(chain, ev, DAY, NOW)
    entry = {**chain.get_many([6])[6], "post_id": "tg:1:999"}
    entry["entry_hash"] = compute_hash(entry)  # a careful forger: the entry checks out by itself
    es.index(index=chain.index, id=doc_id(6), document=entry, refresh=True)
    assert roots.check_roots(chain) == ["root 2026-01-05: does not match the entries of seq 4-8"]
    with pytest.raises(DozorError, match="seq 7: prev_hash is not the entry_hash of seq 6"):
        roots.seal(chain, ev, DAY, NOW)


def test_the_root_is_timestamped_by_the_tsa_and_a_changed_root_fails(
    ev: EvidenceSettings, es: Elasticsearch, authority: LocalTSA
) -> None:
    chain = _fill(es, ev)
    with_tsa = ev.model_copy(update={"evidence_tsa_url": authority.url, "evidence_tsa_ca": authority.ca_pem})
    sealed = roots.seal(chain, with_tsa, DAY, NOW)
    assert sealed is not None and sealed.doc["tsa"]["url"] == authority.url
    response = roots.tsa_response(sealed.doc)
    assert response is not None
    ca = authority.ca_pem.read_bytes()
    message = roots.statement_bytes(sealed.doc)
    assert tsa.check(response, message, ca) is None
    assert tsa.check(response, message, None) is None  # the imprint alone
    tampered = roots.statement_bytes({**sealed.doc, "root": "0" * 64})
    assert tsa.check(response, tampered, ca) == "timestamp check failed: Mismatch between messages"
    assert tsa.check(response, tampered, None) == "the timestamp does not cover this root"
    # A flipped byte inside the signed token: the signature no longer holds.
    broken = bytearray(response)
    broken[len(broken) // 2] ^= 0x01
    assert tsa.check(bytes(broken), message, ca) is not None
    # A root sealed before a TSA was configured gets its timestamp when sealed again.
    plain = roots.seal(chain, ev, date(2026, 1, 4), NOW)
    assert plain is not None and plain.doc["tsa"] is None
    stamped = roots.seal(chain, with_tsa, date(2026, 1, 4), NOW)
    assert stamped is not None and stamped.outcome == "timestamped"
    assert roots.check_roots(chain) == []


def test_an_unreachable_tsa_is_one_clear_error(ev: EvidenceSettings, es: Elasticsearch) -> None:
    chain = _fill(es, ev)
    bad = ev.model_copy(update={"evidence_tsa_url": "http://127.0.0.1:9/tsa"})
    with pytest.raises(DozorError, match=r"TSA http://127.0.0.1:9/tsa unreachable"):
        roots.seal(chain, bad, DAY, NOW)
    assert roots.get_root(chain, DAY.isoformat()) is None  # nothing half-sealed


def test_the_seal_and_check_commands(ev: EvidenceSettings, es: Elasticsearch, authority: LocalTSA) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    chain = _fill(es, ev)  # Jan 4-6 2026: all long over by the real clock
    env = {
        **os.environ,
        "DOZOR_INDEX_PREFIX": ev.index_prefix,
        "DOZOR_EVIDENCE_TSA_URL": authority.url,
        "DOZOR_EVIDENCE_TSA_CA": str(authority.ca_pem),
    }

    def dozor(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(Path(sys.executable).with_name("dozor")), "evidence", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    one = dozor("seal", "--day", "2026-01-05")
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("2026-01-05: sealed: root ") and f"by {authority.url}" in one.stdout
    rest = dozor("seal")
    assert rest.returncode == 0, rest.stderr
    assert [line.split(":")[0:2] for line in rest.stdout.splitlines()] == [
        ["2026-01-04", " sealed"],
        ["2026-01-06", " sealed"],
    ]
    assert dozor("seal").stdout.strip() == "evidence seal: no finished day left to seal"
    assert dozor("check").returncode == 0
    bad = dozor("seal", "--day", "2026-13-01")
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "dozor: error: --day '2026-13-01': expected a date like 2026-10-19",
    )
    es.delete(index=chain.index, id=doc_id(2), refresh=True)
    check = dozor("check")
    assert check.returncode == 1
    assert check.stdout.splitlines() == [
        "seq 2: missing",
        "root 2026-01-04: evidence log: seq 2 is missing",
    ]
