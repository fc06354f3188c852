"""Column types and helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores instants as UTC and always hands back aware datetimes.

    SQLite keeps no offset, PostgreSQL does; normalising here means domain code can
    compare and subtract instants without caring which store is underneath.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_column(**kwargs: Any) -> sa.Column[Any]:
    """A JSON column: JSONB on PostgreSQL (indexable), JSON text elsewhere."""
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.Column(sa.JSON().with_variant(JSONB(), "postgresql"), **kwargs)


def ts_column(*, nullable: bool = True, index: bool = False) -> sa.Column[Any]:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


# Named constraints let Alembic alter them later, SQLite batch mode included.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
