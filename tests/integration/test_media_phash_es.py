"""Near-identical images through Elasticsearch: the mapping fragment, the band query, the distance filter."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from media import phash as ph
from search.settings import SearchSettings


def test_band_query_finds_near_images_and_the_filter_keeps_them(es: Elasticsearch, ss: SearchSettings) -> None:
    index = ss.index("phash-test")
    es.indices.create(index=index, mappings={"properties": {"media": {"properties": ph.MAPPING}}})
    original = "f0e1d2c3b4a59687"
    reencoded = f"{int(original, 16) ^ 0b1011:016x}"  # 3 bits off, all in the last band
    spread = f"{int(original, 16) ^ (1 | 1 << 20 | 1 << 40 | 1 << 60):016x}"  # 4 bits off, one per band
    other = "0123456789abcdef"
    docs = {"a": [original], "b": [other, reencoded], "c": [other], "d": [spread]}
    for doc_id, hashes in docs.items():
        es.index(index=index, id=doc_id, document={"media": [ph.index_fields(h) for h in hashes]})
    es.indices.refresh(index=index)

    hits = es.search(index=index, query=ph.candidates_query(original), size=100)["hits"]["hits"]
    candidates = {hit["_id"]: [m["phash"] for m in hit["_source"]["media"]] for hit in hits}
    assert set(candidates) == {"a", "b"}  # "d" shares no band: the 1-in-10 miss at exactly 4 bits
    near = {doc_id: ph.nearest_in(original, hashes) for doc_id, hashes in candidates.items()}
    assert near == {"a": 0, "b": 3}
    assert ph.hamming(original, spread) == 4 and ph.hamming(original, other) > 2 * ph.NEAR
