"""The alerter's passes in flight (alerts/inflight.py): a pass whose alerts are still being fired does not
hold back the next pass's, the watermark moves only past passes done with every pass before them, one
rule's jobs keep the order of their passes, and a failure settles nothing past it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from alerts.inflight import PassesInFlight

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture()
def passes() -> Iterator[PassesInFlight]:
    p = PassesInFlight(workers=4, max_passes=8)
    yield p
    p.close()


def gated(done: list[str], name: str, gate: threading.Event | None = None) -> Callable[[], None]:
    def job() -> None:
        if gate is not None:
            assert gate.wait(10)
        done.append(name)

    return job


def test_a_held_burst_does_not_hold_back_the_next_pass_nor_settle_past_it(passes: PassesInFlight) -> None:
    gate, done = threading.Event(), []
    passes.submit(at(1), {"busy": gated(done, "busy", gate)})  # a burst of one rule's alerts, still firing
    quick = threading.Event()
    passes.submit(at(2), {"bench": lambda: (done.append("bench"), quick.set())})
    assert quick.wait(10)  # the next pass's alert went out meanwhile
    assert done == ["bench"] and passes.settle() is None  # the watermark stays before the busy pass
    gate.set()
    assert passes.settle(block=True) == at(2) and done == ["bench", "busy"] and len(passes) == 0


def test_settle_gives_the_newest_pass_done_with_every_one_before(passes: PassesInFlight) -> None:
    done: list[str] = []
    passes.submit(at(1), {"a": gated(done, "a")})
    passes.submit(at(2), {})  # a pass that fired nothing
    passes.submit(at(3), {"b": gated(done, "b"), "c": gated(done, "c")})
    assert passes.settle(block=True) == at(3)
    assert passes.settle() is None  # nothing new since


def test_one_rules_jobs_run_in_the_order_of_their_passes(passes: PassesInFlight) -> None:
    gate, done = threading.Event(), []
    passes.submit(at(1), {"rule": gated(done, "first", gate)})
    passes.submit(at(2), {"rule": gated(done, "second"), "other": gated(done, "other")})
    passes.submit(at(3), {"rule": gated(done, "third")})
    threading.Timer(0.2, gate.set).start()
    assert passes.settle(block=True) == at(3)
    assert [d for d in done if d != "other"] == ["first", "second", "third"]


def test_a_failed_job_raises_once_all_are_over_and_nothing_past_it_settles(passes: PassesInFlight) -> None:
    gate, done = threading.Event(), []

    def failing() -> None:
        assert gate.wait(10)
        raise ConnectionError("node gone")

    passes.submit(at(1), {"a": gated(done, "a")})
    passes.submit(at(2), {"b": failing})
    passes.submit(at(3), {"c": gated(done, "c")})
    threading.Timer(0.2, gate.set).start()
    with pytest.raises(ConnectionError):
        passes.settle(block=True)
    assert sorted(done) == ["a", "c"] and len(passes) == 0  # every job over; no pass left to settle past it
    passes.submit(at(4), {})
    assert passes.settle(block=True) == at(4)


def test_with_max_passes_in_flight_settle_waits_for_the_oldest() -> None:
    p = PassesInFlight(workers=2, max_passes=2)
    try:
        gate, done = threading.Event(), []
        p.submit(at(1), {"a": gated(done, "a", gate)})
        p.submit(at(2), {"b": gated(done, "b")})
        threading.Timer(0.2, gate.set).start()
        assert p.settle() is not None and "a" in done  # two in flight: it waited for the first
    finally:
        p.close()
