"""Drain workers share the partitions by backlog: every number to exactly one worker, the loads even."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.drain_shares import share

# A backfill measured on 2026-12-06: 30,000 posts from 12 channels, records per partition of posts.raw.
MEASURED = {0: 7527, 1: 2442, 2: 7424, 3: 5057, 4: 5027, 5: 2523}


def loads(backlog: dict[int, int], shares: list[list[int]]) -> list[int]:
    return [sum(backlog[n] for n in numbers) for numbers in shares]


def test_a_skewed_backfill_is_split_evenly_where_modulo_gave_one_worker_twice_the_other() -> None:
    by_modulo = [[n for n in MEASURED if n % 2 == slot] for slot in range(2)]
    assert loads(MEASURED, by_modulo) == [19978, 10022]
    shares = share(MEASURED, 2)
    assert shares == [[0, 1, 4], [2, 3, 5]]
    assert loads(MEASURED, shares) == [14996, 15004]


def test_more_workers_than_partitions_leaves_some_idle_and_empty_partitions_still_go_somewhere() -> None:
    assert share({0: 5, 1: 0, 2: 9}, 5) == [[2], [0], [1], [], []]
    assert share({}, 2) == [[], []]


def test_no_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        share({0: 1}, 0)


@given(st.dictionaries(st.integers(0, 63), st.integers(0, 10**6), max_size=64), st.integers(1, 8))
def test_every_number_goes_to_exactly_one_worker_and_loads_differ_by_at_most_one_partition(
    backlog: dict[int, int], workers: int
) -> None:
    shares = share(backlog, workers)
    assert len(shares) == workers
    taken = [n for numbers in shares for n in numbers]
    assert sorted(taken) == sorted(backlog)
    assert all(numbers == sorted(numbers) for numbers in shares)
    if backlog:
        spread = loads(backlog, shares)
        assert max(spread) - min(spread) <= max(backlog.values())
    assert share(dict(reversed(list(backlog.items()))), workers) == shares, "the same plan whatever the order"
