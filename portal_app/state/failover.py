"""A tab keeps its state when the worker holding its websocket dies.

With Redis, Reflex records which worker holds each tab's websocket, and a tab that connects while
another worker still holds its token is taken for a duplicated browser tab: it gets a new token and
an empty state. A worker that is killed (out of memory, a crashed host) never removes its records,
so for an hour every tab it held would come back on another worker as a stranger: still signed in
(the session is a cookie), but with its state gone, including a payment it was making.

So each worker also holds a Redis subscription of its own while it lives: Redis drops it the moment
the worker's connection closes, however the worker ended. A tab whose recorded worker has no such
subscription is the same tab coming back, and keeps its token. A tab whose worker is alive is still
a duplicate, as Reflex decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle

from reflex.utils import token_manager

log = logging.getLogger("portal.failover")
ALIVE_CHANNEL = "portal_worker_alive_"
READY_WAIT_SECONDS = 2.0


class FailoverTokenManager(token_manager.RedisTokenManager):
    """Reflex's Redis token manager, which also knows when the worker holding a token is gone."""

    def __init__(self, redis) -> None:
        super().__init__(redis)
        self._alive_task: asyncio.Task | None = None
        self._alive_ready = asyncio.Event()
        self._alive_as = ""

    async def _stay_subscribed(self, channel: str) -> None:
        async with self.redis.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            self._alive_ready.set()
            async for _message in pubsub.listen():
                pass

    async def _announce_alive(self) -> None:
        """Subscribe to this worker's own channel (once per worker, again if its id was renewed)."""
        if self._alive_task is None or self._alive_task.done() or self._alive_as != self.instance_id:
            if self._alive_task is not None:
                self._alive_task.cancel()
            self._alive_as = self.instance_id
            self._alive_ready = asyncio.Event()
            self._alive_task = asyncio.create_task(self._stay_subscribed(ALIVE_CHANNEL + self.instance_id))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._alive_ready.wait(), READY_WAIT_SECONDS)

    async def _holder_is_gone(self, token: str) -> bool:
        record = await self.redis.get(self._get_redis_key(token))
        if not record:
            return False
        holder = pickle.loads(record).instance_id
        if holder == self.instance_id:
            return False
        [(_channel, subscribers)] = await self.redis.pubsub_numsub(ALIVE_CHANNEL + holder)
        return subscribers == 0

    async def link_token_to_sid(self, token: str, sid: str) -> str | None:
        await self._announce_alive()
        try:
            if await self._holder_is_gone(token):
                # The worker that held this tab died without a word: its record is stale, and the tab
                # reconnecting with its token is that same tab, not a copy of it.
                await self.redis.delete(self._get_redis_key(token))
                log.info("A tab whose worker stopped reconnected here with its state")
        except Exception as problem:  # noqa: BLE001 - Redis trouble: Reflex's own rule applies
            log.warning("Could not check the worker that held a reconnecting tab: %s", type(problem).__name__)
        return await super().link_token_to_sid(token, sid)


def install() -> None:
    """Make Reflex create this token manager where it would create its Redis one (before rx.App)."""
    if getattr(token_manager.TokenManager.create, "_portal_failover", False):
        return
    original = token_manager.TokenManager.create.__func__

    def create(cls):
        manager = original(cls)
        if type(manager) is token_manager.RedisTokenManager:
            return FailoverTokenManager(manager.redis)
        return manager

    create._portal_failover = True
    token_manager.TokenManager.create = classmethod(create)
