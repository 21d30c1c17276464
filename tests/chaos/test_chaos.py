"""The chaos run, bounded for CI (a few minutes), on a private Kafka + Elasticsearch of its own (never the
shared stack): first two members per stage with no faults (scale-out: the groups share the partitions,
nothing lost or duplicated), then the same under SIGKILLs, an Elasticsearch outage and a broker restart.
The full run is `make chaos`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.chaos.run import ChaosConfig, run
from tests.chaos.stack import PrivateStack

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def private_stack() -> Iterator[PrivateStack]:
    if shutil.which("java") is None:
        pytest.skip("no Java: the private Kafka and Elasticsearch cannot start")
    stack = PrivateStack.start()
    try:
        yield stack
    finally:
        stack.remove()


SIZE = int(os.environ.get("DOZOR_CHAOS_POSTS", "1000"))


def test_two_members_per_stage_share_the_work(private_stack: PrivateStack) -> None:
    config = ChaosConfig(posts=SIZE, edits=SIZE // 25, deletes=SIZE // 50, rate=250, kills=0, es_down_s=0,
                         broker_restarts=0, settle_s=240)  # fmt: skip
    report = run(private_stack, config)
    print(report.table())
    assert report.outcome.clean, report.table()
    assert report.outcome.counts["dead letters"] == 0
    for group, members in report.groups.items():
        assert members >= 2, f"{group}: only {members} member(s) had partitions"
    idle = [name for name, n in report.work.items() if not name.startswith("alert") and n == 0]
    assert not idle, f"members that consumed nothing: {idle}"  # alerters split no partitions: either may win all


def test_faults_lose_and_duplicate_nothing(private_stack: PrivateStack) -> None:
    config = ChaosConfig(posts=SIZE, edits=SIZE // 25, deletes=SIZE // 50, rate=40, kills=4, es_down_s=15,
                         broker_restarts=1, settle_s=300, seed=23)  # fmt: skip
    report = run(private_stack, config)
    print(report.table())
    assert report.outcome.clean, report.table()
    assert report.outcome.counts["dead letters"] == 0
    assert report.service_exits == 0, "a service left by itself: see the service logs named above"
    kinds = {f.kind for f in report.faults}
    assert kinds == {"kill", "es down", "broker restart"}, kinds
