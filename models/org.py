"""The street's structure and its linkage group (十位一体): who answers for which alley."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import json_column, ts_column, utcnow

# Telegram ids are stored as BIGINT: a signed 64-bit number; users' ids are positive.
MAX_TELEGRAM_ID = 2**63 - 1


@dataclass(frozen=True)
class Names:
    """A thing's name as the roster gives it: Chinese, and English when given. Carried in
    place of the row where a result outlives the session or names a person (no English)."""

    name: str
    name_en: str | None = None


class Role(StrEnum):
    """Member roles, highest first. Admins come from configuration, residents need no row."""

    COORDINATOR = "coordinator"
    UNIT_HEAD = "unit_head"
    LIAISON = "liaison"
    STREET_CHIEF = "street_chief"
    INSPECTOR = "inspector"


class Street(SQLModel, table=True):
    """A street office (街道): the hub of one linkage group."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=sa.String(64), unique=True, index=True)
    name: str = Field(sa_type=sa.String(200))
    name_en: str | None = Field(default=None, sa_type=sa.String(200))
    district: str | None = Field(default=None, sa_type=sa.String(200))
    city: str | None = Field(default=None, sa_type=sa.String(200))
    timezone: str = Field(default="Asia/Shanghai", sa_type=sa.String(64))
    group_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # The street office's supervision line, printed on every alley's signboard.
    supervision_phone: str | None = Field(default=None, sa_type=sa.String(64))
    # Photos of fixes are shown on the public case pages (the street's choice).
    publish_fix_photos: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Community(SQLModel, table=True):
    """A community (社区) of a street."""

    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    name_en: str | None = Field(default=None, sa_type=sa.String(200))
    group_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class Block(SQLModel, table=True):
    """A responsibility block (包干块); by default a community is one block."""

    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str | None = Field(default=None, sa_type=sa.String(200))
    # The block a community is by default, when its roster cuts it into no blocks.
    is_default: bool = False


class Alley(SQLModel, table=True):
    """A back street or alley (背街小巷), drawn as a path of (lat, lon) points.

    The bounding box is kept beside the path so that "which alley is near this
    point" can be narrowed by an index before any distance is computed.
    """

    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    block_id: int = Field(foreign_key="block.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    name_en: str | None = Field(default=None, sa_type=sa.String(200))
    aliases: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    length_m: float | None = None
    path: list[list[float]] = Field(default_factory=list, sa_column=json_column(nullable=False))
    min_lat: float | None = Field(default=None, index=True)
    max_lat: float | None = None
    min_lon: float | None = None
    max_lon: float | None = None
    # The random part of the signboard's QR link (/r/{board_token}); a new one (rotated)
    # makes the old boards' codes stop working.
    board_token: str | None = Field(default=None, sa_type=sa.String(32), unique=True, index=True)


class VendingSpot(SQLModel, table=True):
    """A designated free vending spot (堵疏结合)."""

    __tablename__ = "vending_spot"
    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    lat: float
    lon: float
    hours: str | None = Field(default=None, sa_type=sa.String(200))


class OutsideBody(SQLModel, table=True):
    """A body outside the linkage group a case may be transferred to (转办): the 12345 hotline,
    a neighbouring street, a district bureau."""

    __tablename__ = "outside_body"
    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    name_en: str | None = Field(default=None, sa_type=sa.String(200))
    active: bool = True


class Party(SQLModel, table=True):
    """A member unit of the linkage group (街道, 执法, 环卫...). The set is data, per street."""

    __table_args__ = (sa.UniqueConstraint("street_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    name_en: str | None = Field(default=None, sa_type=sa.String(200))
    # The unit's public duty line, printed on signboards; None: not printed.
    phone: str | None = Field(default=None, sa_type=sa.String(64))


class Member(SQLModel, table=True):
    """A person in a street's linkage group. Deactivated, never deleted: history keeps authors."""

    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    name: str = Field(sa_type=sa.String(200))
    role: Role = Field(sa_type=sa.String(24))
    telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    phone: str | None = Field(default=None, sa_type=sa.String(64))
    # The phone may be printed on the alley's signboard (street chiefs); off unless said.
    phone_public: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # For inspectors: "district" findings go to the street to fix (区查街改), "street"
    # findings to the party line (块查条改).
    level: str | None = Field(default=None, sa_type=sa.String(16))
    active: bool = True
    # "roster": the street office's file owns this member (re-imports may deactivate it);
    # "invite": joined through the bot, kept until a coordinator says otherwise.
    source: str = Field(default="roster", sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    joined_at: datetime | None = Field(default=None, sa_column=ts_column())
    deactivated_at: datetime | None = Field(default=None, sa_column=ts_column())


class MemberArea(SQLModel, table=True):
    """One area a member answers for (定点定岗定人定责); a member with none covers the street."""

    __tablename__ = "member_area"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN community_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN block_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN alley_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_area",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    block_id: int | None = Field(default=None, foreign_key="block.id", index=True)
    alley_id: int | None = Field(default=None, foreign_key="alley.id", index=True)


class Invite(SQLModel, table=True):
    """A deep-link invitation into a linkage group.

    Only a hash of the code is stored: whoever reads the database cannot join with it.
    """

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_type=sa.String(64), unique=True, index=True)
    street_id: int = Field(foreign_key="street.id", index=True)
    role: Role = Field(sa_type=sa.String(24))
    party_id: int | None = Field(default=None, foreign_key="party.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    areas: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column(nullable=False))
    created_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    created_by_telegram_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    max_uses: int | None = None  # None: any number of uses (create_invite defaults to 1)
    uses: int = 0
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())
