"""A local TikTok Shop Open API (orders, returns, cancellations, tokens, webhooks) for
tests and the demo.  See `TikTokEmulator` and README.md next to this file."""

from bot.emulator.tiktok.emulator import TikTokEmulator
from bot.emulator.tiktok.state import TikTokState, tiktok_order

__all__ = ["TikTokEmulator", "TikTokState", "tiktok_order"]
