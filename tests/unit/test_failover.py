"""A tab whose worker died keeps its token on another worker; a real duplicate (its worker alive)
still gets a new one, as Reflex decides (portal_app/state/failover.py), against a real Redis."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis as sync_redis
import redis.asyncio as aioredis

from portal_app.state.failover import FailoverTokenManager


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: run scripts/test-services.sh")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            sync_redis.Redis.from_url(url).ping()
            break
        except sync_redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_dead_workers_tab_keeps_its_token_and_a_live_duplicate_does_not(redis_url: str) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        worker_a = FailoverTokenManager(aioredis.Redis.from_url(redis_url))
        worker_b = FailoverTokenManager(aioredis.Redis.from_url(redis_url))
        worker_c = FailoverTokenManager(aioredis.Redis.from_url(redis_url))
        assert await worker_a.link_token_to_sid("tab-1", "sid-a") is None
        # While worker A lives, the same token from another socket is a duplicated tab: a new token.
        duplicate = await worker_c.link_token_to_sid("tab-1", "sid-c")
        # Worker A dies without a word (its records stay in Redis; its connections close).
        worker_a._alive_task.cancel()
        await asyncio.sleep(0.2)
        await worker_a.redis.aclose()
        await asyncio.sleep(0.2)
        comeback = await worker_b.link_token_to_sid("tab-1", "sid-b")
        for worker in (worker_b, worker_c):
            worker._alive_task.cancel()
            await worker.redis.aclose()
        return duplicate, comeback

    duplicate, comeback = asyncio.run(scenario())
    assert duplicate is not None and duplicate != "tab-1"
    assert comeback is None  # the same tab, with its state
