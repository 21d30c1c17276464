"""Which spellings of a channel are one (search/channel_aliases.py): renames, reassigned names, bots."""

from __future__ import annotations

from search.channel_aliases import Aliases, Pair, channel_id_of, likely_bot


def test_a_renamed_channel_is_one_group_listed_under_its_latest_name() -> None:
    aliases = Aliases.from_pairs(
        [
            Pair(10, "@old_name", "2026-01-01T00:00:00.000Z"),
            Pair(10, "@new_name", "2026-06-01T00:00:00.000Z"),
            Pair(10, "@old_name", "2026-02-01T00:00:00.000Z"),
            Pair(20, "@other_one", "2026-03-01T00:00:00.000Z"),
        ]
    )
    group = aliases.group("id:10")
    assert group == {"id:10", "@old_name", "@new_name"} == aliases.group("@old_name")
    assert aliases.display(group) == "@new_name" and channel_id_of(group) == 10
    assert aliases.group("@unknown") == {"@unknown"} and aliases.display(frozenset({"id:5"})) == "id:5"
    assert aliases.expand({"@other_one", "@unknown"}) == {"@other_one", "id:20", "@unknown"}


def test_a_name_two_channels_held_ties_nothing() -> None:
    aliases = Aliases.from_pairs(
        [
            Pair(10, "@passed_on", "2026-01-01T00:00:00.000Z"),
            Pair(20, "@passed_on", "2026-05-01T00:00:00.000Z"),
            Pair(20, "@second_owner", "2026-05-01T00:00:00.000Z"),
        ]
    )
    assert aliases.group("@passed_on") == {"@passed_on"}
    assert aliases.group("id:10") == {"id:10"}
    assert aliases.group("id:20") == {"id:20", "@second_owner"}


def test_likely_bots_are_names_ending_in_bot_with_no_channel_behind_them() -> None:
    assert likely_bot(frozenset({"@help_migrant_bot"}))
    assert likely_bot(frozenset({"@helpbot"}))
    assert not likely_bot(frozenset({"@news_feed_bot", "id:7"}))  # a channel forwarded from
    assert not likely_bot(frozenset({"@robotics_news"}))
    assert not likely_bot(frozenset({"id:7"}))
