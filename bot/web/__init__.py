"""The bot's one HTTP server: Telegram's webhook, the shops' signed hooks, health."""
