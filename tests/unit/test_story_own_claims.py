"""The bands an enricher claimed itself, answered without the index: two bounded generations by size and age,
a re-pointed band answers its new story."""

from __future__ import annotations

from enrich.stories.assign import Holder
from enrich.stories.own_claims import OwnClaims
from tests.support.clock import Clock

P1, P2 = Holder("tg:1:1", "tg:1:1"), Holder("tg:2:2", "tg:2:2")


def test_known_bands_are_answered_and_the_rest_are_asked_in_order() -> None:
    own = OwnClaims()
    own.hold(["b1", "b2"], P1)
    known, ask = own.split(["x", "b2", "y", "b1"])
    assert known == {"b2": P1, "b1": P1}
    assert ask == ["x", "y"]


def test_a_full_generation_turns_and_the_one_before_it_is_dropped() -> None:
    own = OwnClaims(size=2)
    own.hold(["a", "b"], P1)
    own.hold(["c"], P2)  # the newer was full: a and b are the older generation now
    assert own.split(["a", "b", "c"]) == ({"a": P1, "b": P1, "c": P2}, [])
    own.hold(["d", "e"], P2)  # newer: c, d, e
    own.hold(["f"], P2)  # full again: a and b are gone
    assert own.split(["a", "b", "c", "f"]) == ({"c": P2, "f": P2}, ["a", "b"])
    assert len(own) == 4


def test_claims_older_than_two_ages_are_not_answered() -> None:
    clock = Clock()
    own = OwnClaims(max_age=60.0, clock=clock)
    own.hold(["a"], P1)
    clock.now = 61.0
    own.hold(["b"], P2)  # "a" moved to the older generation
    assert own.split(["a", "b"]) == ({"a": P1, "b": P2}, [])
    clock.now = 122.0
    assert own.split(["a", "b"]) == ({"b": P2}, ["a"])
    clock.now = 183.0
    assert own.split(["a", "b"]) == ({}, ["a", "b"])


def test_a_band_pointed_at_another_story_answers_the_new_one_in_either_generation() -> None:
    own = OwnClaims(size=1)
    own.hold(["a"], P1)
    own.hold(["b"], P1)  # "a" is older now
    moved = Holder("tg:1:1", "tg:2:2")
    own.hold(["a"], moved)
    assert own.split(["a"]) == ({"a": moved}, [])
