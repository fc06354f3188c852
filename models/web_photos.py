"""Photos that came by the web (a resident's report page) or are published (a fix, on the
public case page): kept as bytes, re-encoded without their metadata, served by an
unguessable token."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import ts_column, utcnow


class WebPhoto(SQLModel, table=True):
    __tablename__ = "web_photo"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_type=sa.String(32), unique=True, index=True)
    case_id: int = Field(foreign_key="report_case.id", index=True)
    role: str = Field(default="report", sa_type=sa.String(16))  # "report" or "fix"
    content_type: str = Field(default="image/jpeg", sa_type=sa.String(32))
    width: int = 0
    height: int = 0
    data: bytes = Field(sa_type=sa.LargeBinary)
    # For a photo of the fix: the Telegram file it was fetched from (kept once).
    source: str | None = Field(default=None, sa_type=sa.String(256))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
