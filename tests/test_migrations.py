"""Alembic builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models
from models import migrate
from models.db import make_sync_engine


def test_migrations_create_every_table(db_url: str) -> None:
    engine = make_sync_engine(db_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == set(models.metadata.tables) | {"alembic_version"}
    assert migrate.is_up_to_date(db_url)


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_sync_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, models.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models changed without a migration: alembic revision --autogenerate"


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    config = migrate.alembic_config(db_url)
    command.downgrade(config, "base")
    assert migrate.current_revision(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.is_up_to_date(db_url)


def test_cli_db_upgrade_and_current(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n', encoding="utf-8")
    assert main(["db", "current", "--config", str(config)]) == 0
    assert "empty: behind" in capsys.readouterr().out
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["db", "current", "--config", str(config)]) == 0
    assert "up to date" in capsys.readouterr().out
