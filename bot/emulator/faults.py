"""Fault injection: make chosen Bot API calls fail the ways the real network and API fail.

Reliability code (retry on 429 after `retry_after`, survive 5xx and dropped connections,
avoid double-sending when a response is lost) can only be tested if those failures can be
produced on demand.  A fault matches calls by method and/or chat and fires a given number
of times; the server consults the plan before (or, with `after=True`, after) executing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["429", "500", "400", "slow", "network"]
_KINDS: frozenset[str] = frozenset({"429", "500", "400", "slow", "network"})


@dataclass
class Fault:
    """One planned failure.

    kind:  "429" (Too Many Requests with retry_after), "500" (Internal Server Error),
           "400" (a refusal for good, with `description`, e.g. a photo Telegram cannot
           process), "slow" (answer normally after `delay` seconds), "network" (drop the
           connection).
    after: for "500"/"network", execute the call first and lose the answer: the message is
           sent although the bot sees a failure (the duplicate-send trap).
    times: how many matching calls fail; None means every one.
    every: fail only every n-th matching call (n=5: 20% of the calls), deterministically.
    """

    kind: FaultKind
    method: str | None = None
    chat: int | str | None = None
    times: int | None = 1
    retry_after: int = 1
    delay: float = 1.0
    after: bool = False
    description: str = "Bad Request: PHOTO_INVALID_DIMENSIONS"
    every: int | None = None
    fired: int = 0
    seen: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.exhausted:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.chat is not None:
            chat_id = params.get("chat_id")
            if chat_id is None or str(chat_id) != str(self.chat):
                return False
        if self.every is not None:
            self.seen += 1
            return self.seen % self.every == 0
        return True


class FaultPlan:
    """The faults waiting to fire, in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        method: str | None = None,
        kind: FaultKind = "500",
        *,
        times: int | None = 1,
        chat: int | str | None = None,
        retry_after: int = 1,
        delay: float = 1.0,
        after: bool = False,
        description: str = "Bad Request: PHOTO_INVALID_DIMENSIONS",
        every: int | None = None,
    ) -> Fault:
        """Plan a fault; returns it so a test can check `fault.fired` afterwards."""
        if kind not in _KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(_KINDS)}")
        if after and kind not in ("500", "network"):
            raise ValueError("after=True only makes sense for '500' and 'network' faults")
        if times is not None and times < 1:
            raise ValueError("times must be positive (or None for 'always')")
        if every is not None and every < 1:
            raise ValueError("every must be positive")
        fault = Fault(kind, method, chat, times, retry_after, delay, after, description, every)
        self._faults.append(fault)
        return fault

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The first fault matching this call, counted as fired; None if none matches."""
        for fault in self._faults:
            if fault.matches(method, params):
                fault.fired += 1
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        return [fault for fault in self._faults if not fault.exhausted]

    def __len__(self) -> int:
        return len(self.pending)
