"""The collector: backfill every registry channel from its checkpoint, then follow it live.

Works on anything shaped like Telethon's ``TelegramClient`` (``get_entity``, ``get_messages``,
``iter_messages``, ``add_event_handler``), so tests drive it with a fake client over real
``telethon.tl.types`` messages. Per account, channels are fetched one at a time (polite to Telegram);
accounts run side by side. A FloodWait pauses every request of that account; another error puts one
channel, or a whole account whose session is gone, in a state the summary and metrics show (ingest/states.py).

Groups: a registry ``kind: group`` entry is collected like a channel, its posts marked ``source_kind: group``.
A channel with ``comments: true`` brings its linked discussion group along as a source of its own (own
checkpoint, own state in the summary): the group's copies of the channel's posts are left out (the posts
are collected from the channel), and every other message becomes a ``comments`` post with the channel
post its thread answers (``thread``).

With a blob store, each message's raw copy (canonical JSON of ``to_dict()``) is stored before its post is
sent, and its media follow as ``posts.media`` events once the post was acknowledged (ingest/media.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from telethon import events, utils
from telethon.errors import FloodWaitError, RPCError

from dozor import metrics
from dozor.records import MediaEvent, RawPost
from ingest.checkpoints import CheckpointStore
from ingest.mapping import BadInput, channel_from_entity, delete_record, message_record, peer_id
from ingest.media import MediaCapture, MediaJob
from ingest.producer import Pending, RawSink
from ingest.progress import NoProgress, ProgressView
from ingest.rawjson import message_copy
from ingest.registry import Registry
from ingest.settings import IngestSettings
from ingest.sources import Account, ChannelState, Mapped, discussion_group, reference, shard, thread_of
from ingest.states import ACCOUNT_LOST, AccountLost
from ingest.stats import CollectStats
from media.blobs import BlobStore

__all__ = ["CHANNEL_ERRORS", "Account", "Collector", "shard"]  # Account and shard: ingest/sources.py

log = logging.getLogger(__name__)

CHANNEL_ERRORS = (RPCError, ValueError, TypeError)  # per-channel failures: the others go on


class Collector:
    def __init__(
        self,
        settings: IngestSettings,
        registry: Registry,
        accounts: Sequence[Account],
        sink: RawSink,
        checkpoints: CheckpointStore,
        *,
        since: datetime | None = None,
        progress: ProgressView | None = None,
        store: BlobStore | None = None,
    ) -> None:
        """``store``: where raw copies and media go; without one, neither is kept (raw hashes still are)."""
        if not accounts:
            raise ValueError("the collector needs at least one Telegram account")
        self.settings = settings
        self.accounts = list(accounts)
        self.sink = sink
        self.checkpoints = checkpoints
        self.since = since
        self.progress: ProgressView = progress or NoProgress()
        working = [a for a in self.accounts if a.health.working] or self.accounts  # e.g. one not signed in
        self.states = [ChannelState(e, a) for e, a in shard(registry.enabled, working)]
        for state in self.states:
            state.account.health.channels.append(state.health)
        self.stats = CollectStats(
            accounts=[a.health for a in self.accounts],
            channels=[s.health for s in self.states],
            floodwaits=[a.gate.waits for a in self.accounts],
        )
        self._by_id: dict[int, ChannelState] = {}
        self._titles: dict[int, str] = {}  # names for forwards from channels we know
        self._stop = asyncio.Event()
        self.store = store
        self.media: MediaCapture | None = None
        if store is not None:
            self.media = MediaCapture(
                store, self._send_media, concurrency=settings.media_concurrency, backlog=settings.media_backlog
            )
            self.stats.media = self.media.stats

    # ---- entry points ---------------------------------------------------------------------------

    async def run(self, live: bool = True) -> CollectStats:
        """Backfill, then (``live``) follow new messages, edits and deletions until :meth:`stop`."""
        await asyncio.to_thread(self.checkpoints.load)
        await self.sync_all()
        self.progress.close()
        self.progress = NoProgress()  # gap-fill passes run quietly
        if not live or not self.stats.working:
            await self._drain_media()
            return self.stats
        self.install_live()
        log.info("backfill done (%s); following %d channels live", self.stats.summary(), len(self._by_id))
        while not self._stop.is_set() and self.stats.working:  # no account left: stop, the summary says why
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.gap_fill_interval_s)
            except TimeoutError:
                await self.sync_all()  # fetch what live events missed (Telethon issue #4345)
        await self._drain_media()
        return self.stats

    def stop(self) -> None:
        self._stop.set()

    async def sync_all(self) -> None:
        """One pass: every channel from its checkpoint to its newest message. Accounts in parallel."""
        await asyncio.gather(*(self._sync_account(a) for a in self.accounts))

    def install_live(self) -> None:
        for account in self.accounts:
            account.client.add_event_handler(partial(self._on_message, account, "new"), events.NewMessage())
            account.client.add_event_handler(partial(self._on_message, account, "edit"), events.MessageEdited())
            account.client.add_event_handler(partial(self._on_delete, account), events.MessageDeleted())

    # ---- backfill and gap fill ------------------------------------------------------------------

    async def _sync_account(self, account: Account) -> None:
        if not account.health.working:
            return
        try:
            await self._sync_channels([s for s in self.states if s.account is account and s.health.due()])
        except AccountLost as lost:
            account.health.failed(lost.cause)

    async def _sync_channels(self, mine: list[ChannelState]) -> None:
        for state in list(mine):
            if state.entity is None and state.parent is None:
                await self._resolve(state)
                if state.discussion is not None:  # found just now: collected in this pass too
                    mine.append(state.discussion)
        # Oldest gap first: channels never collected, then the one whose position is oldest.
        floor = datetime.min.replace(tzinfo=UTC)
        for state in sorted((s for s in mine if s.entity is not None), key=lambda s: s.last_date or floor):
            if self._stop.is_set() or not state.account.health.working:  # lost meanwhile (e.g. by a download)
                return
            try:
                await self._sync_channel(state)
                state.health.ok()
            except CHANNEL_ERRORS as exc:
                self._channel_failed(state, exc)

    async def _resolve(self, state: ChannelState) -> None:
        gate, client = state.account.gate, state.account.client
        try:
            entity = await gate.call(state.label, lambda: client.get_entity(reference(state.entry)))
        except CHANNEL_ERRORS as exc:
            self._channel_failed(state, exc)
            return
        try:
            discussion = await discussion_group(state, entity)
        except CHANNEL_ERRORS as exc:
            self._channel_failed(state, exc)
            return
        self._adopt(state, entity, state.entry.username)
        if discussion is not None:
            group = ChannelState(state.entry, state.account, parent=state)
            self._adopt(group, discussion, None)
            state.discussion = group
            self.states.append(group)
            state.account.health.channels.append(group.health)
            self.stats.channels.append(group.health)

    def _adopt(self, state: ChannelState, entity: Any, username: str | None) -> None:
        """A resolved source: its record channel (category and country from its registry entry), its
        checkpoint, and its id for live events."""
        state.entity = entity
        state.channel = channel_from_entity(entity, state.entry.category, state.entry.country, username)
        self._by_id[state.channel.id] = state
        if state.channel.title:
            self._titles[state.channel.id] = state.channel.title
        cp = self.checkpoints.get(state.channel.id)
        if cp is not None and cp.last_id > state.last_id:
            state.last_id = cp.last_id
            state.last_date = datetime.fromisoformat(cp.last_date) if cp.last_date else None

    def _channel_failed(self, state: ChannelState, exc: Exception) -> None:
        if isinstance(exc, ACCOUNT_LOST):  # not this channel's fault: the whole session is gone
            raise AccountLost(exc) from exc
        self.stats.channel_errors += 1
        metrics.CHANNEL_ERRORS.labels(metrics.reason_kind(type(exc).__name__)).inc()
        state.health.failed(exc)

    async def _sync_channel(self, state: ChannelState) -> None:
        while True:
            try:
                await self._fetch_from_checkpoint(state)
                return
            except FloodWaitError as exc:  # raised mid-iteration: resume from the checkpoint after it
                state.account.gate.hold(exc.seconds, state.label)

    async def _fetch_from_checkpoint(self, state: ChannelState) -> None:
        account, entity = state.account, state.entity
        newest = await account.gate.call(state.label, lambda: account.client.get_messages(entity, limit=1))
        newest_id = newest[0].id if newest else 0
        if newest_id <= state.last_id:
            return
        kwargs: dict[str, Any] = {"reverse": True, "min_id": state.last_id}
        if state.last_id == 0 and self.since is not None:
            kwargs["offset_date"] = self.since
        self.progress.begin(state.label, newest_id - state.last_id)
        batch: list[Mapped] = []
        top_id, top_date, seen = state.last_id, state.last_date, 0
        messages = account.client.iter_messages(entity, **kwargs).__aiter__()
        while not self._stop.is_set():  # on stop: checkpoint what was read, leave the rest for next run
            await account.gate.wait()
            try:
                message = await messages.__anext__()
            except StopAsyncIteration:
                break
            seen += 1
            if message.id > top_id:
                top_id, top_date = message.id, message.date
            if message.id not in state.live_seen:
                mapped = self._map(state, message, "new", await thread_of(state, message))
                if mapped is not None:
                    batch.append(mapped)
            if seen >= self.settings.checkpoint_every:
                await self._commit(state, batch, top_id, top_date)
                batch, seen = [], 0
        await self._commit(state, batch, top_id, top_date)
        self.progress.end(state.label)

    async def _commit(self, state: ChannelState, batch: list[Mapped], top_id: int, top_date: datetime | None) -> None:
        """Send the batch, wait for Kafka's ack, queue its media, then move the channel's checkpoint."""
        assert state.channel is not None
        await self._store_raw(batch)
        pending = Pending()
        for mapped in batch:
            self.sink.send(mapped.post, pending)
        await asyncio.to_thread(pending.wait)
        self.stats.sent += len(batch)
        await self._queue_media(state, batch)
        if top_id > state.last_id:
            await asyncio.to_thread(self.checkpoints.save, state.channel.id, top_id, top_date)
            self.progress.advance(state.label, top_id - state.last_id)
            state.last_id, state.last_date = top_id, top_date
            state.live_seen = {i for i in state.live_seen if i > top_id}

    def _map(self, state: ChannelState, message: Any, event: str, thread: tuple[int, int] | None) -> Mapped | None:
        assert state.channel is not None
        if state.copies.get(getattr(message, "id", 0)) is not None:  # a channel post's copy: the post is collected
            return None
        try:
            post = message_record(
                message,
                state.channel,
                "edit" if event == "edit" else "new",
                names=self._titles,
                max_text_chars=self.settings.max_text_chars,
                source_kind=None if state.kind == "channel" else state.kind,
                thread=thread,
            )
        except BadInput as exc:
            self.stats.skipped[exc.kind] += 1
            log.warning("channel %s message %s skipped: %s", state.label, getattr(message, "id", "?"), exc)
            return None
        raw = message_copy(message)
        post.raw_sha256 = raw.sha256 if raw is not None else None
        post.collector = state.account.collector
        return Mapped(post, message, raw)

    # ---- raw copies and media -------------------------------------------------------------------

    async def _store_raw(self, batch: list[Mapped]) -> None:
        """Raw copies go to the blob store before their posts are sent; a store failure loses no post."""
        copies = [m.raw.data for m in batch if m.raw is not None]
        if self.store is None or not copies:
            return
        store = self.store
        try:
            await asyncio.to_thread(lambda: [store.put(data) for data in copies])
        except Exception as exc:  # any store backend's error: the posts go on without their raw copies
            self.stats.raw_store_errors += len(copies)
            log.warning("%d raw copies not stored (%s: %s); their posts are sent", len(copies), type(exc).__name__, exc)

    async def _queue_media(self, state: ChannelState, batch: list[Mapped]) -> None:
        if self.media is None or state.channel is None:
            return
        account = state.account
        for mapped in batch:
            if mapped.post.event != "new" or mapped.message.media is None:
                continue
            job = MediaJob(
                client=account.client,
                gate=account.gate,
                entity=state.entity,
                channel=state.channel,
                message=mapped.message,
                mode=state.entry.media,
                max_bytes=state.entry.max_media_bytes,
                collector=account.collector,
                where=state.label,
                health=account.health,
            )
            await self.media.submit(job)

    async def _send_media(self, events: list[MediaEvent]) -> None:
        pending = Pending()
        for event in events:
            self.sink.send_media(event, pending)
        await asyncio.to_thread(pending.wait)

    async def _drain_media(self) -> None:
        if self.media is not None and self.media.pending:
            log.info("waiting for the media of %d messages", self.media.pending)
            await self.media.drain()

    # ---- live events ----------------------------------------------------------------------------

    async def _send_now(self, posts: list[RawPost]) -> None:
        pending = Pending()
        for post in posts:
            self.sink.send(post, pending)
        await asyncio.to_thread(pending.wait)

    def _owned(self, account: Account, channel_id: int | None) -> ChannelState | None:
        """The channel's state if ``account`` collects it (another member account would duplicate it)."""
        state = self._by_id.get(channel_id or 0)
        return state if state is not None and state.account is account and account.health.working else None

    async def _on_message(self, account: Account, kind: str, event: Any) -> None:
        message = event.message
        state = self._owned(account, peer_id(getattr(message, "peer_id", None)))
        if state is None:
            return
        try:
            thread = await thread_of(state, message)
        except CHANNEL_ERRORS as exc:  # the comment is still sent, without its thread
            log.warning("channel %s: thread of message %s not found (%s)", state.label, message.id, exc)
            thread = None
        mapped = self._map(state, message, kind, thread)
        if mapped is None:
            return
        try:
            await self._store_raw([mapped])
            await self._send_now([mapped.post])
        except Exception:
            log.exception("channel %s: live %s of message %s not sent", state.label, kind, message.id)
            return
        if kind == "edit":
            self.stats.edits += 1
        else:
            self.stats.sent += 1
            if message.id > state.last_id:
                state.live_seen.add(message.id)
            await self._queue_media(state, [mapped])

    async def _on_delete(self, account: Account, event: Any) -> None:
        chat_id = event.chat_id
        if chat_id is None:  # deletions outside channels come without a chat: not ours
            return
        state = self._owned(account, utils.resolve_id(chat_id)[0])
        if state is None or state.channel is None:
            return
        gone = [mid for mid in event.deleted_ids or [] if state.copies.get(mid) is None]  # copies were never posts
        posts = [delete_record(state.channel, mid) for mid in gone]
        try:
            await self._send_now(posts)
        except Exception:
            log.exception("channel %s: deletion of %s not sent", state.label, event.deleted_ids)
            return
        self.stats.deletes += len(posts)
