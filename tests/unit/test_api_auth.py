"""API tokens given as SHA-256 hashes, and the brake on guessing them: per client address, bounded
memory. The app runs in-process; the requests here are refused before any Elasticsearch call."""

from __future__ import annotations

import hashlib
import warnings

import pytest
from pydantic import SecretStr

from dozor.errors import ConfigError
from dozor.settings import load
from search.settings import SearchSettings
from surfaces.app import create_app
from surfaces.auth import Guard, LoginThrottle, Tokens
from tests.support.clock import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PLAIN, HASHED = "plain-token-0123", "hashed-token-4567"
HASH = "sha256:" + hashlib.sha256(HASHED.encode()).hexdigest()


def test_a_token_matches_as_given_or_by_its_hash() -> None:
    tokens = Tokens([SecretStr(PLAIN), SecretStr(HASH.upper().replace("SHA256:", "sha256:"))])
    assert tokens.valid(PLAIN) and tokens.valid(HASHED)
    assert not tokens.valid(HASH) and not tokens.valid("") and not tokens.valid(None)
    assert not tokens.valid(PLAIN + "x")


def test_a_malformed_hash_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_API_TOKENS", f"{PLAIN},sha256:abc")
    with pytest.raises(ConfigError, match=r"api_tokens: set DOZOR_API_TOKENS .*64 hex digits"):
        load(SearchSettings)


def test_failures_earn_a_doubling_wait_per_address() -> None:
    clock = Clock(1000.0)
    throttle = LoginThrottle(free=3, first_wait_s=1.0, max_wait_s=4.0, clock=clock)
    for _ in range(3):
        throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0  # the free attempts
    waits = []
    for _ in range(4):
        throttle.failed("10.0.0.1")
        waits.append(throttle.wait_s("10.0.0.1"))
    assert waits == [1.0, 2.0, 4.0, 4.0]  # doubling, capped
    assert throttle.wait_s("10.0.0.2") == 0  # another address is not affected
    clock.now += 4.0
    assert throttle.wait_s("10.0.0.1") == 0
    throttle.succeeded("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0  # a success starts the count again


def test_memory_is_bounded_and_forgets() -> None:
    clock = Clock(1000.0)
    throttle = LoginThrottle(free=0, max_clients=100, forget_after_s=60, clock=clock)
    for n in range(5000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle) == 100
    assert throttle.wait_s("10.0.19.135") > 0  # the latest are kept
    clock.now += 61
    assert throttle.wait_s("10.0.19.135") == 0 and len(throttle) == 0


def test_the_api_slows_down_an_address_that_keeps_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_API_TOKENS", f"{PLAIN},{HASH}")
    settings = load(SearchSettings)
    app = create_app(settings)
    app.state.guard = Guard(Tokens(settings.api_tokens), LoginThrottle(clock=Clock(1000.0)))  # time stands still
    guesser = TestClient(app, client=("198.51.100.7", 40000))
    other = TestClient(app, client=("198.51.100.8", 40000))
    bad = {"Authorization": "Bearer guess"}
    assert [guesser.get("/stats", headers=bad).status_code for _ in range(5)] == [401] * 5
    assert guesser.get("/stats", headers=bad).status_code == 401  # the sixth failure earns a wait
    refused = guesser.get("/stats", headers={"Authorization": f"Bearer {HASHED}"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"  # not even checked now
    assert other.get("/stats", headers=bad).status_code == 401  # the wait is per address
    assert guesser.get("/stats").status_code == 401  # no token is no guess: 401, not 429

    page = guesser.post("/ui/login", data={"token": "guess", "next": "/ui/search"}, follow_redirects=False)
    assert page.status_code == 429 and "Try again in" in page.text


def test_the_web_login_takes_a_hashed_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_API_TOKENS", HASH)
    client = TestClient(create_app(load(SearchSettings)), client=("198.51.100.9", 40000))
    resp = client.post("/ui/login", data={"token": HASHED, "next": "/ui/search"}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/ui/search"
    assert client.post("/ui/login", data={"token": HASH, "next": ""}, follow_redirects=False).status_code == 401
