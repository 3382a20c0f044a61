"""How the running bot gets its TikTok side."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.marketplace.tiktok.setup import tiktok_service
from storage.uow import UnitOfWorkFactory


def _app(engine: AsyncEngine, uow: UnitOfWorkFactory, tmp_path: Path, **extra: object) -> App:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        media_dir=tmp_path,
        knowledge_index=tmp_path / "knowledge-index.json",  # not the repository's data/
        **extra,
    )
    return App(settings=settings, engine=engine, uow=uow, clock=FakeClock())


async def test_no_app_credentials_no_tiktok(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    app = _app(engine, uow_factory, tmp_path)
    assert tiktok_service(app) is None
    assert app.tiktok() is None and app.connector_routes() == []


async def test_the_service_offers_its_routes_and_sync_period(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    app = _app(
        engine,
        uow_factory,
        tmp_path,
        tiktok_app_key="k",
        tiktok_app_secret="s",
        tiktok_sync_minutes=5,
    )
    service = tiktok_service(app)
    assert service is not None
    assert service.task.interval == 300
    paths = sorted((r.method, r.path) for r in service.routes())  # type: ignore[attr-defined]
    assert paths == [("GET", "/tiktok/callback"), ("POST", "/hooks/tiktok")]
    await service.close()


async def test_the_app_serves_tiktok_s_routes_on_the_bot_s_server(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    app = _app(engine, uow_factory, tmp_path, tiktok_app_key="k", tiktok_app_secret="s")
    service = app.tiktok()
    assert service is not None and app.tiktok() is service  # built once
    paths = sorted(r.path for r in app.connector_routes())  # type: ignore[attr-defined]
    assert paths == ["/hooks/tiktok", "/tiktok/callback"]
    await service.close()
