"""Telegram's side of a webhook with several connections, for the emulator.

Telegram POSTs each update to the webhook, over up to `max_connections` connections at
once, and forgets it once the bot answers 200; another answer (or none) and it tries
again.  `WebhookDelivery` plays that from the emulator's update queue: the updates go
round-robin to one or several URLs (several worker processes, each on its own port,
or one port shared with SO_REUSEPORT), `connections` of them in flight at a time, so
one conversation's updates (an album, quick taps) reach different workers at once.
It records where each update went and how many POSTs it took.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.emulator import TelegramEmulator
from bot.web.telegram import SECRET_HEADER

RETRY_PAUSE = 0.2


class WebhookDelivery:
    def __init__(
        self,
        emulator: TelegramEmulator,
        urls: Sequence[str],
        secret: str,
        *,
        connections: int = 8,
    ) -> None:
        self.emulator = emulator
        self.urls = list(urls)
        self.secret = secret
        self.connections = connections
        self.sent_to: dict[int, int] = {}  # update id → index of the URL that took it
        self.posts = 0  # POSTs made, retries included
        self.refused = 0  # answers other than 200 (or no answer)
        self._taken: set[int] = set()
        self._next = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def per_url(self) -> Counter[int]:
        return Counter(self.sent_to.values())

    async def idle(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was acknowledged."""
        await self.emulator.wait_until(
            lambda: (not self.emulator.pending_updates and not self._in_flight) or None,
            timeout=timeout,
        )

    @property
    def _in_flight(self) -> int:
        return len(self._taken) - len(self.sent_to)

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.connections)
        # Connections are not kept alive: each POST may reach another worker sharing
        # the port, as Telegram's many connections do.
        connector = aiohttp.TCPConnector(force_close=True)
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(connector=connector) as http:
            try:
                while True:
                    fresh = await self.emulator.wait_until(self._fresh, timeout=3600)
                    for update in fresh:
                        await slots.acquire()
                        self._taken.add(update["update_id"])
                        url = self._next % len(self.urls)
                        self._next += 1
                        task = asyncio.create_task(self._deliver(http, update, url, slots))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
            finally:
                for task in tasks:
                    task.cancel()

    def _fresh(self) -> list[dict[str, Any]] | None:
        fresh = [u for u in self.emulator.pending_updates if u["update_id"] not in self._taken]
        return fresh or None

    async def _deliver(
        self, http: aiohttp.ClientSession, update: dict[str, Any], url: int, slots: Any
    ) -> None:
        try:
            while True:
                self.posts += 1
                try:
                    async with http.post(
                        self.urls[url], json=update, headers={SECRET_HEADER: self.secret}
                    ) as response:
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                if status == 200:
                    self.sent_to[update["update_id"]] = url
                    self.emulator.state.updates.acknowledge(update["update_id"])
                    self.emulator.state.notifier.notify()
                    return
                self.refused += 1
                await asyncio.sleep(RETRY_PAUSE)
        finally:
            slots.release()
