"""The loop of a background worker that a commit can wake (the outbox worker, the
refund settler): a pass at once when a unit of work of this process commits work on
the worker's after-commit topic (see `storage.uow`), else one every `idle_seconds`
(what other processes queued, retries that came due)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage.uow import UnitOfWorkFactory


async def run_woken(
    uow: UnitOfWorkFactory,
    topic: str,
    woken: asyncio.Event,
    wake: Callable[[], None],
    one_pass: Callable[[], Awaitable[int]],
    *,
    idle_seconds: float,
    log: logging.Logger,
    error: str,
) -> None:
    """Run `one_pass` until cancelled.  `wake` (which sets `woken`) listens on `topic`
    while the loop runs; a pass that did something is followed by another at once; a
    pass that failed is logged as `error` on the worker's own `log` and the loop goes
    on."""
    stop_listening = uow.after_commit.subscribe(topic, wake)
    try:
        while True:
            # Cleared before the pass, not after it: a wake-up that comes while a pass
            # runs (something committed after its query) starts the next pass at once
            # instead of being lost until the idle look.
            woken.clear()
            try:
                done = await one_pass()
            except Exception:
                log.exception(error)
                done = 0
            if done == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), timeout=idle_seconds)
    finally:
        stop_listening()
