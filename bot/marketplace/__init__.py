"""Marketplace adapters: each implements the port in `bot.services.marketplace`."""
