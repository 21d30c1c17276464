"""Live latency through the whole pipeline (publish -> searchable, publish -> alert delivered), and the
cost of 1,000 saved searches, side by side.

The services run as they do in production, each its own process: `dozor enrich`, `dozor index` and
`dozor alert --rules FILE` (on a fresh topic/index prefix). This script publishes posts to posts.raw
at a steady rate (distinct generated texts, tests/support/distinct_corpus.py; fresh ids, dated now); one
post in ``--every`` carries the trigger word of the bench rule, whose webhook is a receiver in this
process. Alert latency = webhook received - publish. Searchable latency = the first search (a probe in
this process, every 50 ms, for the trigger posts not found yet) that finds the post - publish. Two phases
of ``--duration`` seconds each:

  A. the bench rule alone;
  B. the bench rule + ``--searches`` saved searches with notification settings (realistic queries that
     rarely match), which the alerter evaluates in the same _msearch.

Each phase also prints the CPU seconds the Elasticsearch node and the alerter used during it (the load an
alerter puts on a node that also indexes and searches). Then, in-process on the same node and the same last
window of posts, the evaluation search alone is timed with 1 rule and with 1 + N rules (the extra delay of
evaluating N saved searches), the latter as the alerter runs it (only the rules the batch's terms allow,
alerts/prefilter.py) and without the prefilter.

    .venv/bin/python bench/bench_alerts.py [--duration 300] [--rate 50] [--searches 1000] [--baseline REF]

With ``--baseline REF`` the same phases run first with the services of the tree at REF (git archive; the
in-process evaluation timing uses this tree), so before and after are side by side in one run. The order
alone moves p99: the same code run four times in a row gave 1.67, 1.45, 1.15 and 0.87 s with 1,000 searches
(60 s phases, the first right after the stack started). ``--abba`` runs this tree and the baseline once more,
in that order, so a drift over the runs weighs on both trees alike: compare each tree's mean of its two runs.
Targets (issue 13): at 50 posts/s, publish -> searchable p99 <= 1 s; publish -> alert delivered p99
<= 1.5 s with 1,000 saved searches (which leaves the alerter ~0.5 s: searchable -> alert is printed too, the
alerter's own share when the enricher or indexer falls behind on a loaded machine). CI does not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import helpers

from alerts.evaluate import Evaluator
from alerts.receiver import Received, WebhookReceiver
from alerts.ruleset import load_all
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor import es as des
from dozor import kafka as dk
from dozor import topics
from dozor.records import utcnow
from search import index as ix
from search.settings import SearchSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from tests.support.distinct_corpus import generated
from tests.support.services import Services, es_cpu_s, process_cpu_s
from tests.support.stack import drop_indices

ROOT = Path(__file__).resolve().parents[1]
TRIGGER = "дозорбенч"
CHANNEL = 6_100_000
VOCAB = [
    "мобилизация", "повестка", "военкомат", "контракт", "гражданство", "паспорт", "патент", "мигрант", "депортация",
    "рейд", "общежитие", "суд", "наёмничество", "закон", "указ", "поправки", "дума", "задержание",
    "полиция", "дискриминация", "регистрация", "штраф", "экзамен", "отбор", "вербовка", "выплата", "уклонение",
    "учёт", "консульство", "посольство", "перевод",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


PLACES = [
    "Нукус", "Хорог", "Кулоб", "Термез", "Андижан", "Наманган", "Фергана", "Каракол", "Талас", "Худжанд",
    "Бохтар", "Навои", "Ургенч", "Джизак", "Карши", "Актобе", "Атырау", "Шымкент", "Тараз", "Кызылорда",
    "Павлодар", "Жезказган", "Нарын", "Баткен", "Исфара", "Пенджикент", "Гулистан", "Туркестан",
]  # fmt: skip


def saved_search_queries(n: int, broad_share: float = 0.05, seed: int = 7) -> list[str]:
    """Topic words narrowed by a place, as monitors write them; a few broad ones that match often."""
    rnd = random.Random(seed)
    narrow = ["{a} AND {p}", '"{a} {b}" AND {p}', "{a} AND ({b} OR {c}) AND {p}", "text:{p} AND NOT {a}"]
    broad = ["{a} AND {b}", '"{a} {b}"', "{a} AND ({b} OR {c})"]
    out = []
    for _ in range(n):
        forms = broad if rnd.random() < broad_share else narrow
        words = {k: rnd.choice(VOCAB) for k in "abc"}
        out.append(rnd.choice(forms).format(p=rnd.choice(PLACES), **words))
    return out


class SearchProbe:
    """Searches, every ``every_s``, for the sampled posts not found yet; notes when each is first found."""

    def __init__(self, settings: SearchSettings, every_s: float = 0.05) -> None:
        self.es = des.client(settings)
        self.alias = ix.posts_alias(settings)
        self.every_s = every_s
        self.waiting: dict[str, int] = {}  # document id -> message id
        self.found: dict[int, float] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="search-probe", daemon=True)

    def watch(self, channel_id: int, message_id: int) -> None:
        with self.lock:
            self.waiting[f"tg:{channel_id}:{message_id}"] = message_id

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with self.lock:
                ids = list(self.waiting)
            if not ids:
                continue
            resp = self.es.search(
                index=self.alias, query={"ids": {"values": ids}}, size=len(ids), source=False,
                ignore_unavailable=True, allow_no_indices=True,
            )  # fmt: skip
            now = time.time()
            with self.lock:
                for hit in resp["hits"]["hits"]:
                    message_id = self.waiting.pop(hit["_id"], None)
                    if message_id is not None:
                        self.found.setdefault(message_id, now)

    def __enter__(self) -> SearchProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.es.close()


def latency_stats(prefix: str, sent: dict[int, float], seen: dict[int, float]) -> dict[str, Any]:
    latencies = [seen[m] - t for m, t in sent.items() if m in seen]
    out: dict[str, Any] = {f"{prefix}_missing": len(sent) - len(latencies)}
    if latencies:
        out |= {f"{prefix}_p{int(q * 100)}_s": round(percentile(latencies, q), 3) for q in (0.5, 0.95, 0.99)}
        out[f"{prefix}_max_s"] = round(max(latencies), 3)
    return out


def publish(settings: AlertSettings, texts: Iterator[str], rate: float, duration: float, every: int, start_id: int,
            sent: dict[int, float], probe: SearchProbe | None = None) -> int:  # fmt: skip
    producer = dk.producer(settings, linger_ms=0)
    topic = settings.topic(dk.RAW)
    n = int(rate * duration)
    t0 = time.monotonic()
    for i in range(n):
        wait = t0 + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        message_id = start_id + i
        text = next(texts)
        if i % every == 0:
            text = f"{text} {TRIGGER}"
        record = {
            "schema": 1, "source": "telegram", "event": "new", "message_id": message_id,
            "channel": {"id": CHANNEL + i % 20, "username": f"bench_{i % 20}", "title": "Bench", "category": "media"},
            "date": utcnow().isoformat(), "text": text, "collected_at": utcnow().isoformat(),
        }  # fmt: skip
        if i % every == 0:
            sent[message_id] = time.time()
            if probe is not None:
                probe.watch(CHANNEL + i % 20, message_id)
        producer.send(topic, key=str(record["channel"]["id"]).encode(), value=topics.dumps(record))  # type: ignore[index]
    producer.flush()
    producer.close()
    return n


def settle(what: str, sent: dict[int, float], received: dict[int, float], timeout_s: float = 300) -> None:
    """Wait until the services have worked off their start-up (every alert of ``sent`` delivered), so a
    phase measures the steady state, not a backlog."""
    start = time.time()
    while time.time() - start < timeout_s and not all(m in received for m in sent):
        time.sleep(0.5)
    done = sum(1 for m in sent if m in received)
    print(f"{what}: {done} of {len(sent)} alerts delivered after {time.time() - start:.0f} s", file=sys.stderr)


def phase(name: str, settings: AlertSettings, texts: Iterator[str], args: argparse.Namespace, start_id: int,
          received: dict[int, float], alerter: int) -> dict[str, Any]:  # fmt: skip
    sent: dict[int, float] = {}
    cpu = (es_cpu_s(settings), process_cpu_s(alerter))
    with SearchProbe(SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix)) as probe:
        n = publish(settings, texts, args.rate, args.duration, args.every, start_id, sent, probe)
        deadline = time.time() + 30
        while time.time() < deadline and not all(m in received and m in probe.found for m in sent):
            time.sleep(0.2)
    out = {"phase": name, "posts": n, "sampled": len(sent)}
    # The load the phase put on the machine's two busiest parts (the publishing and the wait at its end).
    out |= {
        "es_cpu_s": round(es_cpu_s(settings) - cpu[0], 1),
        "alerter_cpu_s": round(process_cpu_s(alerter) - cpu[1], 1),
    }
    out |= latency_stats("searchable", sent, probe.found)
    out |= latency_stats("alert", sent, received)
    # The alerter's own share: from the moment the post could be found to its alert's delivery (when the
    # enricher and indexer fall behind on a loaded machine, both latencies above carry their backlog).
    found_at = {m: t for m, t in sent.items() if m in probe.found}
    delivered = {m: t + received[m] - probe.found[m] for m, t in found_at.items() if m in received}
    out |= latency_stats("alert_after_searchable", found_at, delivered)
    print(json.dumps(out), flush=True)
    return out


def add_saved_searches(settings: SearchSettings, n: int, hook: str) -> None:
    es = des.client(settings)
    ix.ensure_templates(es, settings)
    now = utcnow().isoformat()
    docs = (
        {"_index": ix.searches_index(settings), "_id": f"bench-{i}", "_source": {
            "name": f"bench-{i}", "query": q, "filters": {}, "owner": "bench", "active": True,
            "notify": [{"webhook": {"url": hook}}], "created_at": now, "updated_at": now}}
        for i, q in enumerate(saved_search_queries(n))
    )  # fmt: skip
    helpers.bulk(es, docs, refresh=True)


def evaluation_cost(settings: AlertSettings, rules: Path, window_s: float, rounds: int = 7) -> dict[str, Any]:
    """The evaluation search alone over the last ``window_s`` seconds of posts: 1 rule, all rules as the
    alerter searches them (prefiltered by the batch's terms) and all rules without the prefilter."""
    es = des.client(settings)
    rules_all = load_all(es, AlertStore(es, settings), settings, rules)
    bench_rule = [r for r in rules_all if not r.name.startswith("search:")]
    # The last window_s seconds of what the pipeline indexed (the services are stopped by now).
    newest = es.search(index=ix.posts_alias(settings), size=0, aggs={"m": {"max": {"field": "indexed_at"}}})
    upper = datetime.fromtimestamp(newest["aggregations"]["m"]["value"] / 1000, UTC)
    lower = upper - timedelta(seconds=window_s)
    seen = {r.name: lower - timedelta(days=1) for r in rules_all}
    evaluators = {"one": Evaluator(es, settings), "all": Evaluator(es, settings),
                  "all_unfiltered": Evaluator(es, settings, prefilter_rules=False)}  # fmt: skip
    subsets = {"one": bench_rule, "all": rules_all, "all_unfiltered": rules_all}
    timings: dict[str, list[float]] = {key: [] for key in evaluators}
    found: dict[str, dict[str, list[str]]] = {}
    for _ in range(rounds):  # alternate, to even out a shared machine's noise
        for key, evaluator in evaluators.items():
            t = time.perf_counter()
            matches = evaluator.run(subsets[key], seen, lower, upper)
            timings[key].append(time.perf_counter() - t)
            found[key] = {rule: sorted(h["_id"] for h in hits) for rule, hits in matches.by_rule.items()}
    median = {key: statistics.median(values) for key, values in timings.items()}
    posts = es.count(index=ix.posts_alias(settings), query={"range": {"indexed_at": {"gt": lower.isoformat()}}})[
        "count"
    ]
    out = {"evaluation": f"1 rule vs {len(rules_all)} rules over the last {window_s:.0f}s ({posts} posts)",
           "one_rule_s": round(median["one"], 3), "all_rules_s": round(median["all"], 3),
           "all_rules_unfiltered_s": round(median["all_unfiltered"], 3),
           "extra_s": round(median["all"] - median["one"], 3),
           "extra_unfiltered_s": round(median["all_unfiltered"] - median["one"], 3),
           "rules_searched": evaluators["all"].searched_rules,
           "same_matches": found["all"] == found["all_unfiltered"],
           "rules_per_search": evaluators["all"].per_search}  # fmt: skip
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def baseline_tree(ref: str, directory: Path) -> Path:
    """The tree at ``ref`` (git archive), whose services the baseline run starts (PYTHONPATH first)."""
    tree = directory / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def pipeline_run(args: argparse.Namespace, tree: Path | None, measure_cost: bool) -> list[dict[str, Any]]:
    """Both phases with the services of ``tree`` (None: this tree), on a fresh prefix, then cleaned up."""
    run = uuid.uuid4().hex[:6]
    topic_prefix, index_prefix = f"bench{run}-", f"bench{run}"
    settings = AlertSettings(topic_prefix=topic_prefix, index_prefix=index_prefix)
    search_settings = SearchSettings(topic_prefix=topic_prefix, index_prefix=index_prefix)
    work = Path(f"/tmp/dozor-bench-alerts-{run}")
    work.mkdir(parents=True)
    needed = int(args.rate * (2 * args.duration + 25)) + 1  # every published post a distinct text
    texts = iter([r["text"] for r in generated(needed, seed=random.randrange(1 << 30))])
    received: dict[int, float] = {}
    other_alerts: list[str] = []

    def on_receive(item: Received) -> None:
        if item.body["rule"] == "bench-trigger" and item.body.get("post"):
            received.setdefault(int(item.body["post"]["message_id"]), item.at)
        else:
            other_alerts.append(item.body["rule"])

    env = {**os.environ, "DOZOR_TOPIC_PREFIX": topic_prefix, "DOZOR_INDEX_PREFIX": index_prefix}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    rules = work / "rules.yaml"
    services = Services(env, work)
    alerter = ("alert", "alert", "--rules", str(rules))
    label = f"baseline {args.baseline}" if tree is not None else "this tree"
    with WebhookReceiver(on_receive=on_receive) as hook:
        rules.write_text(f'rules:\n  - name: bench-trigger\n    query: "{TRIGGER}"\n    notify:\n'
                         f'      - webhook: {{url: "{hook.url}"}}\n', encoding="utf-8")  # fmt: skip
        dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ, dk.ALERTS])
        try:
            services.start("enrich", "enrich")
            services.start("index", "index")
            services.start(*alerter)
            print(f"{label}: services starting (logs in {work}); warming up 15 s", file=sys.stderr)
            warm: dict[int, float] = {}
            publish(settings, texts, args.rate, 15, args.every, 0, warm)  # warm-up, not measured
            settle("warm-up", warm, received)
            results = [
                phase(f"{label} A: bench rule only", settings, texts, args, 1_000_000, received, services.pid("alert"))
            ]
            services.stop("alert")
            add_saved_searches(search_settings, args.searches, hook.url)
            services.start(*alerter)
            warm = {}
            publish(settings, texts, args.rate, 10, args.every, 500_000, warm)  # alerter start-up, not measured
            settle("alerter restart", warm, received)
            name = f"{label} B: + {args.searches} searches"
            results.append(phase(name, settings, texts, args, 2_000_000, received, services.pid("alert")))
            print(json.dumps({"saved_search_alerts_sent": len(other_alerts), "by": len(set(other_alerts))}), flush=True)
            if measure_cost:
                results.append(evaluation_cost(settings, rules, window_s=5.0))
        finally:
            services.stop_all()
            drop_indices(des.client(search_settings), search_settings)  # the alert indices share the prefix
            admin = dk.admin(settings)
            admin.delete_topics([t for t in admin.list_topics() if t.startswith(topic_prefix)])
            admin.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds per phase (default 300)")
    parser.add_argument("--rate", type=float, default=50, help="posts per second (default 50)")
    parser.add_argument("--every", type=int, default=10, help="one post in N carries the trigger word")
    parser.add_argument("--searches", type=int, default=1000, help="saved searches in phase B")
    parser.add_argument("--baseline", default=None, help="a git ref whose services run first, side by side")
    parser.add_argument("--abba", action="store_true", help="with --baseline: then this tree and the baseline again")
    args = parser.parse_args()

    runs: list[list[dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_tree(args.baseline, Path(tmp)) if args.baseline else None
        if baseline is not None:
            runs.append(pipeline_run(args, baseline, measure_cost=False))
        *ours, cost = pipeline_run(args, None, measure_cost=True)
        runs.append(ours)
        if baseline is not None and args.abba:  # A B B A: a drift over the runs weighs on both alike
            runs.append(pipeline_run(args, None, measure_cost=False))
            runs.append(pipeline_run(args, baseline, measure_cost=False))
    phases = [res for run in runs for res in run]
    if len(runs) > 2:
        for n, run in enumerate(runs, start=1):
            for res in run:
                res["phase"] = f"run {n}, {res['phase']}"
    print(f"at {args.rate:g} posts/s, {args.duration:g} s per phase; p50 / p95 / p99 in seconds")
    for what, target in (("searchable", 1.0), ("alert", 1.5), ("alert_after_searchable", 0.5)):
        for res in phases:
            row = " / ".join(str(res.get(f"{what}_p{q}_s")) for q in (50, 95, 99))
            missing = res.get(f"{what}_missing")
            label = f"publish -> {what}" if what != "alert_after_searchable" else "searchable -> alert"
            print(f"  {label:<22} {res['phase']:<44} {row}   (p99 <= {target} s wanted; missing {missing})")
    for res in phases:
        print(f"  CPU during {res['phase']:<44} Elasticsearch {res['es_cpu_s']} s, alerter {res['alerter_cpu_s']} s")
    print(f"evaluation of the whole last 5 s window with {args.searches} saved searches adds {cost['extra_s']} s "
          f"({cost['rules_searched']} rules searched after the prefilter); without the prefilter "
          f"{cost['extra_unfiltered_s']} s; same matches: {cost['same_matches']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
