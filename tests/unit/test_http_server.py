"""The one HTTP server: /health says up or down and nothing more; routes are added
before it starts; a connector's routes live next to the hooks."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web.server import HttpServer
from storage.db import create_engine, ping


async def served(server: HttpServer, path: str) -> tuple[int, object, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, await response.json(), await response.text()


async def test_health_is_up_when_the_database_answers(engine: AsyncEngine) -> None:
    async def database() -> bool:
        return await ping(engine)

    server = HttpServer("127.0.0.1", 0, health=database)
    await server.start()
    try:
        assert await served(server, "/health") == (200, {"status": "up"}, '{"status": "up"}')
    finally:
        await server.stop()


async def test_health_is_down_and_says_nothing_else_when_the_database_does_not() -> None:
    # A PostgreSQL that is not there (nothing listens on port 1): the real check fails.
    gone = create_engine("postgresql+asyncpg://bot:secret-password@127.0.0.1:1/bot")

    async def database() -> bool:
        return await ping(gone)

    async def broken() -> bool:
        raise RuntimeError("connection string with secret-password")

    try:
        for health in (database, broken):
            server = HttpServer("127.0.0.1", 0, health=health)
            await server.start()
            try:
                status, body, text = await served(server, "/health")
            finally:
                await server.stop()
            assert (status, body) == (503, {"status": "down"})
            assert "secret" not in text and "5432" not in text
    finally:
        await gone.dispose()


async def test_routes_are_added_before_the_server_starts() -> None:
    async def up() -> bool:
        return True

    async def callback(_request: web.Request) -> web.Response:
        return web.json_response({"connected": True})

    server = HttpServer("127.0.0.1", 0, health=up)
    server.add_routes([web.get("/oauth/callback", callback)])
    await server.start()
    try:
        assert (await served(server, "/oauth/callback"))[:2] == (200, {"connected": True})
        with pytest.raises(RuntimeError):
            server.add_routes([web.get("/late", callback)])
    finally:
        await server.stop()
