"""What each Telegram error means for an account or a channel, and the channel backoff (ingest/states.py)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from telethon import errors as tg

from ingest.states import MAX_SKIP, AccountHealth, ChannelHealth, account_state, channel_state, summary


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (tg.AuthKeyUnregisteredError, "revoked"),
        (tg.SessionRevokedError, "revoked"),
        (tg.SessionExpiredError, "revoked"),
        (tg.UserDeactivatedError, "deactivated"),
        (tg.UserDeactivatedBanError, "banned"),
        (tg.AuthKeyDuplicatedError, "duplicated"),
    ],
)
def test_account_errors(error: type[tg.RPCError], state: str) -> None:
    assert account_state(error(request=None)) == state


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (tg.ChannelPrivateError(request=None), "private"),
        (tg.ChannelInvalidError(request=None), "gone"),
        (tg.UsernameNotOccupiedError(request=None), "gone"),
        (tg.UsernameInvalidError(request=None), "gone"),
        (ValueError('No user has "x" as username'), "gone"),
        (ValueError('Cannot find any entity corresponding to "-1001"'), "gone"),
        (ValueError("invalid literal for int()"), "error"),  # a ValueError that says nothing of the channel
        (tg.ChannelBannedError(request=None), "banned"),
        (tg.UserBannedInChannelError(request=None), "banned"),
        (tg.TimeoutError(request=None), "error"),
    ],
)
def test_channel_errors(error: Exception, state: str) -> None:
    assert channel_state(error) == state


def test_a_failing_channel_is_tried_at_passes_1_2_4_8_and_at_most_max_skip_apart() -> None:
    health = ChannelHealth("@unit_backoff")
    tried = []
    for n in range(1, 200):
        if health.due():
            tried.append(n)
            health.failed(tg.ChannelPrivateError(request=None))
    assert tried[:6] == [1, 2, 4, 8, 16, 32]
    assert {b - a for a, b in pairwise(tried[5:])} == {MAX_SKIP}
    health.ok()
    assert (health.state, health.failures, health.due()) == ("ok", 0, True)


def test_summary_names_each_state_and_lost_account() -> None:
    account = AccountHealth("unit-acct")
    account.lost("duplicated", "AuthKeyDuplicatedError")
    a, b, c = ChannelHealth("@a"), ChannelHealth("@b"), ChannelHealth("@c")
    a.failed(tg.ChannelPrivateError(request=None))
    b.failed(ValueError("no entity"))
    c.ok()
    text = summary([account, AccountHealth("unit-ok")], [a, b, c])
    assert text.startswith("; channels: 1 gone (@b), 1 private (@a); account unit-acct: session duplicated")
    assert "use each session file in one collector only" in text
