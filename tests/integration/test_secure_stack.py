"""The secure stack end to end (`dozor stack up --secure` on its own ports and home, beside the shared
stack): import -> enrich --drain -> index --drain -> search -> alert --drain (webhook, email and
Telegram on loopback) and the API, each as a separate process with its own least-privilege principal;
what a principal may not do is refused; and no secret reaches any output, log or config file."""

from __future__ import annotations

import hashlib
import json
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from alert_servers import BOT_TOKEN, SMTP_PASSWORD, SMTP_USER, BotApi, Mailbox, _authenticate
from elasticsearch import AuthorizationException
from kafka import TopicPartition
from kafka.errors import TopicAuthorizationFailedError

from alerts.receiver import WebhookReceiver
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from tests.support.secure_stack import SecureStack, scan, secret_stores, start, stop
from tests.support.stack import free_port

pytestmark = [pytest.mark.integration, pytest.mark.secure, pytest.mark.timeout(1800)]

CORPUS = Path(__file__).resolve().parents[2] / "ingest" / "samples" / "corpus.jsonl"
POSTS = 30  # the first posts of the sample corpus: several mention Сахарово
HASHED_TOKEN, PLAIN_TOKEN = secrets.token_urlsafe(24), secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def secure() -> Iterator[SecureStack]:
    t0 = time.monotonic()
    stack, printed = start()
    timings = " ".join(printed.split()).partition("secure stack up (")[2].partition(")")[0]
    print(f"\nsecure stack up in {time.monotonic() - t0:.0f} s ({timings})")
    try:
        yield stack
    finally:
        stop(stack)


@dataclass
class Flow:
    stack: SecureStack
    hook: WebhookReceiver
    mailbox: Mailbox
    bot: BotApi
    outputs: dict[str, str]
    api: dict[str, object]


@pytest.fixture(scope="module")
def flow(secure: SecureStack, self_signed: tuple[Path, Path]) -> Iterator[Flow]:
    import ssl

    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox, smtp_port = Mailbox(), free_port()
    smtp = Controller(
        mailbox, hostname="127.0.0.1", port=smtp_port, tls_context=context, require_starttls=True,
        authenticator=_authenticate(mailbox), auth_require_tls=True,
    )  # fmt: skip
    smtp.start()
    bot = BotApi()
    webhook_secret = secrets.token_urlsafe(24)
    secure.extra_env = {
        "DOZOR_API_TOKENS": f"sha256:{hashlib.sha256(HASHED_TOKEN.encode()).hexdigest()},{PLAIN_TOKEN}",
        "DOZOR_WEBHOOK_SECRET": webhook_secret,
        "DOZOR_SMTP_HOST": "127.0.0.1",
        "DOZOR_SMTP_PORT": str(smtp_port),
        "DOZOR_SMTP_USERNAME": SMTP_USER,
        "DOZOR_SMTP_PASSWORD": SMTP_PASSWORD,
        "DOZOR_SMTP_CA_CERTS": str(cert),
        "DOZOR_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "DOZOR_TELEGRAM_API_BASE": bot.base_url,
        "DOZOR_TELEGRAM_API_HASH": secrets.token_hex(16),
    }
    corpus = secure.logs / "corpus.jsonl"
    corpus.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:POSTS]), encoding="utf-8")
    out: dict[str, str] = {}
    try:
        with WebhookReceiver(secret=webhook_secret) as hook:
            rules = secure.logs / "rules.yaml"
            rules.write_text(
                "rules:\n  - name: sakharovo\n    query: Сахарово\n    notify:\n"
                f'      - webhook: {{url: "{hook.url}", secret_env: DOZOR_WEBHOOK_SECRET}}\n'
                '      - email: {to: ["desk@example.org"]}\n'
                '      - telegram: {chat_id: "-100123"}\n',
                encoding="utf-8",
            )
            steps = [
                ("alert", "alert", "--rules", str(rules), "--drain"),  # the rule is known from now on
                ("ingest", "import", str(corpus)),
                ("enrich", "enrich", "--drain"),
                ("index", "index", "--drain"),
                ("reader", "search", "Сахарово", "--json", "--limit", "100"),
                ("alert", "alert", "--rules", str(rules), "--drain"),
                (None, "stack", "status"),
            ]
            for stage, *args in steps:
                proc = secure.run(stage, *args)
                assert proc.returncode == 0, f"{stage} {args}: {proc.stderr[-2000:]}"
                out[f"{stage} {args[0]}"] = proc.stdout + proc.stderr
            api = exercise_api(secure)
        yield Flow(secure, hook, mailbox, bot, out, api)
    finally:
        smtp.stop()
        bot.close()


def exercise_api(stack: SecureStack) -> dict[str, object]:
    """`dozor api` as the API's principal: hashed and plain tokens, a guesser slowed down, the web login."""
    port = free_port()
    proc, _log = stack.serve("api", "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the API did not come up"
            time.sleep(1)
        result: dict[str, object] = {}
        for name, token in (("hashed", HASHED_TOKEN), ("plain", PLAIN_TOKEN)):
            resp = httpx.get(f"{base}/search", params={"q": "Сахарово"}, headers={"Authorization": f"Bearer {token}"})
            result[name] = (resp.status_code, len(resp.json().get("hits", [])) if resp.status_code == 200 else None)
        # A guesser: 5 free failures, then each failure doubles the wait (1, 2, 4, 8 s). Guess again after
        # each wait until it is 8 s, so that the valid login right after surely falls inside it.
        bad = {"Authorization": "Bearer guess"}
        statuses, retry_after = [], 0
        while retry_after < 8 and len(statuses) < 20:
            resp = httpx.get(f"{base}/search", params={"q": "x"}, headers=bad)
            statuses.append(resp.status_code)
            if resp.status_code == 429:
                retry_after = int(resp.headers["Retry-After"])
                if retry_after < 8:
                    time.sleep(retry_after)
        result["guesses"], result["retry_after"] = statuses, retry_after
        login = httpx.post(f"{base}/ui/login", data={"token": HASHED_TOKEN, "next": "/ui/search"})
        result["login"] = login.status_code  # this address is waiting: refused, the token not even checked
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_pipeline_runs_with_one_least_privilege_principal_per_stage(flow: Flow) -> None:
    out = flow.outputs
    assert f"{POSTS} records sent to posts.raw" in out["ingest import"]
    assert f"enrich: {POSTS} consumed, {POSTS} produced, 0 to DLQ" in out["enrich enrich"]
    assert f"index: {POSTS} records" in out["index index"]
    hits = [json.loads(line) for line in out["reader search"].splitlines() if line.startswith("{")]
    assert hits and all("Сахарово" in h["text"] or "Сахарово" in json.dumps(h, ensure_ascii=False) for h in hits)
    ids = sorted(h["id"] for h in hits)
    # Every notifier delivered each matching post once, the webhook signed with its secret.
    assert sorted(r.body["post"]["id"] for r in flow.hook.received) == ids
    assert all(r.signature_ok for r in flow.hook.received)
    assert len(flow.mailbox.messages) == len(ids) and flow.mailbox.logins
    assert len(flow.bot.sent) == len(ids)
    # The API with either token form; a guesser is slowed down (the 6th failure earns a wait).
    assert flow.api["hashed"] == (200, len(ids)) and flow.api["plain"] == (200, len(ids))
    guesses = flow.api["guesses"]
    assert isinstance(guesses, list) and guesses[:6] == [401] * 6 and 429 in guesses
    assert isinstance(flow.api["retry_after"], int) and flow.api["retry_after"] >= 8 and flow.api["login"] == 429
    status = out["None stack"]
    ca = flow.stack.security / "ca.crt"
    for line in (f"DOZOR_ES_CA={ca}", f"DOZOR_KAFKA_CA={ca}", "DOZOR_KAFKA_SECURITY_PROTOCOL=SASL_SSL"):
        assert line in status.splitlines()
    assert str(flow.stack.security / "secrets.json") in status and "dozor-index" in status
    # The Bot API URL holds the token and httpx logs it under --debug: masked, so the scan below has teeth.
    assert "/bot***/sendMessage" in out["alert alert"]


def settings_of(stack: SecureStack, stage: str) -> DozorSettings:
    env = {**stack.env, **stack.credentials(stage)}
    fields = {
        k.removeprefix("DOZOR_").lower(): v
        for k, v in env.items()
        if k.removeprefix("DOZOR_").lower() in DozorSettings.model_fields
    }
    return DozorSettings(**fields)


def test_principals_are_refused_what_their_role_does_not_allow(flow: Flow) -> None:
    api, reader = (des.client(settings_of(flow.stack, s)) for s in ("api", "reader"))
    doc = {"text": "forged"}
    with pytest.raises(AuthorizationException):
        api.index(index="dozor-posts-2026.10", id="tg:1:1", document=doc)
    with pytest.raises(AuthorizationException):
        reader.index(index="dozor-searches", id="forged", document=doc)
    assert api.count(index="dozor-posts")["count"] == reader.count(index="dozor-posts")["count"] > 0  # both read

    enrich = settings_of(flow.stack, "enrich")
    consumer = dk.consumer(enrich, None)
    try:
        consumer.assign([TopicPartition("posts.enriched", 0)])  # the indexer's input, not the enricher's
        with pytest.raises(TopicAuthorizationFailedError):
            consumer.poll(timeout_ms=10_000)
    finally:
        consumer.close()
    producer = dk.producer(settings_of(flow.stack, "index"))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send("posts.raw", b"forged").get(timeout=30)  # the indexer may not write raw posts
    finally:
        producer.close()


def test_no_secret_reaches_any_output_log_or_config_file(flow: Flow) -> None:
    stack = flow.stack
    known = {
        f"{service} password of {user}": pw
        for service, users in stack.passwords().items()
        for user, pw in users.items()
    }
    known.update(
        {
            "hashed API token": HASHED_TOKEN,
            "plain API token": PLAIN_TOKEN,
            "webhook secret": stack.extra_env["DOZOR_WEBHOOK_SECRET"],
            "SMTP password": SMTP_PASSWORD,
            "Telegram bot token": BOT_TOKEN,
            "Telegram API hash": stack.extra_env["DOZOR_TELEGRAM_API_HASH"],
        }
    )
    stores = secret_stores(stack.home)
    for store in stores:  # kept on purpose, readable by the owner only
        assert stat.S_IMODE(store.stat().st_mode) in (0o600, 0o700), store
    install = [p for p in stack.home.glob("elasticsearch-*") if p.is_dir()]  # the unpacked zip, as shipped
    leaks, read = scan([stack.logs, stack.home], known, skip=stores + install)
    assert read > 20  # the commands' outputs, the API's log, the nodes' logs and configs
    assert not leaks, [f"{leak.secret} in {leak.file}" for leak in leaks]
