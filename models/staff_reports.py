"""Reports taken by staff (受理): a coordinator files a case for someone who phoned, walked in,
came through the 12345 hotline, or for what a patrol found.

A short dialogue, kept in the database: the channel, the caller's name, the caller's phone
(each question a PendingInput of kind `staff_report`, its step and answers in its data),
then a ReportDraft carrying them, which the coordinator completes like any report (intake
asks for the place and the kind as usual). The case records the channel and the caller; the
coordinator is its reporter (the actor of its `create` event), hears how it goes and gets
the receipt. The caller is no Telegram user and is never messaged. Verification goes to the
alley's street chiefs (models.dispatch.verifiers), not to the coordinator.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case, PendingInput, ReportDraft
from models.permissions import Actor

KIND = "staff_report"  # the PendingInput kind of every question of the dialogue
NAME_MAX = 40
PHONE_MAX = 32
# Digits, with the separators people type: "138 0013 8000", "0571-8765 4321", "+86 (571) …".
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]*")
PHONE_DIGITS = (3, 20)  # 110 and 12345 up to an international number with an extension


class Channel(StrEnum):
    PHONE = "phone"  # 电话
    WALK_IN = "walk_in"  # 来访
    PATROL = "patrol"  # 巡查
    HOTLINE = "hotline"  # 12345


class Step(StrEnum):
    CHANNEL = "channel"
    NAME = "name"
    PHONE = "phone"


def may_file(actor: Actor) -> bool:
    """Coordinators (of a street or of communities) and admins take reports for others."""
    return actor.coordinates_anywhere


def is_staff_filed(case: Case) -> bool:
    return case.channel is not None


def as_channel(code: str | None) -> Channel | None:
    try:
        return Channel(code or "")
    except ValueError:
        return None


def clean_name(text: str) -> str | None:
    """The caller's name as typed, on one line; None when empty or too long."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX:
        return None
    return name


def clean_phone(text: str) -> str | None:
    """A phone number, checked loosely: digits and the usual separators, 3 to 20 digits.
    Full-width digits from a Chinese input method are read as digits."""
    phone = " ".join(text.translate(_FULL_WIDTH).split())
    if len(phone) > PHONE_MAX or _PHONE.fullmatch(phone) is None:
        return None
    digits = sum(c.isdigit() for c in phone)
    if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return None
    return phone


_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－（）　", "0123456789+-() ")


# The dialogue ------------------------------------------------------------------------------


async def begin(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    """The first question (the channel) is open; whatever question was open before is not."""
    await _ask(session, telegram_id, now, {"step": Step.CHANNEL})


async def current(session: AsyncSession, telegram_id: int) -> dict[str, Any] | None:
    """The dialogue's answers so far, if one is open (without taking it)."""
    pending = await session.get(PendingInput, telegram_id)
    if pending is None or pending.kind != KIND:
        return None
    return dict(pending.data)


async def answer(
    session: AsyncSession, telegram_id: int, state: dict[str, Any], now: datetime
) -> None:
    """The next question is open, with what was answered so far."""
    await _ask(session, telegram_id, now, state)


async def cancel(session: AsyncSession, telegram_id: int) -> bool:
    """The dialogue, or the staff report it led to, dropped. False: nothing was open."""
    dropped = False
    pending = await session.get(PendingInput, telegram_id)
    if pending is not None and pending.kind == KIND:
        await session.delete(pending)
        dropped = True
    draft = await staff_draft(session, telegram_id)
    if draft is not None:
        await session.delete(draft)
        dropped = True
    await session.commit()
    return dropped


async def open_report(
    session: AsyncSession, telegram_id: int, state: dict[str, Any], now: datetime
) -> ReportDraft:
    """The questions answered: the draft the coordinator's next messages complete. An
    unfinished report of the coordinator's own is replaced (one draft per person)."""
    pending = await session.get(PendingInput, telegram_id)
    if pending is not None and pending.kind == KIND:
        await session.delete(pending)
    old = (
        await session.exec(select(ReportDraft).where(ReportDraft.telegram_id == telegram_id))
    ).first()
    if old is not None:
        await session.delete(old)
        await session.flush()
    channel = as_channel(str(state.get("channel")))
    assert channel is not None
    draft = ReportDraft(
        telegram_id=telegram_id,
        created_at=now,
        updated_at=now,
        channel=str(channel),
        caller_name=state.get("name") or None,
        caller_phone=state.get("phone") or None,
    )
    session.add(draft)
    await session.commit()
    return draft


async def staff_draft(session: AsyncSession, telegram_id: int) -> ReportDraft | None:
    draft = (
        await session.exec(select(ReportDraft).where(ReportDraft.telegram_id == telegram_id))
    ).first()
    return draft if draft is not None and draft.channel is not None else None


async def _ask(
    session: AsyncSession, telegram_id: int, now: datetime, data: dict[str, Any]
) -> None:
    pending = await session.get(PendingInput, telegram_id)
    if pending is None:
        pending = PendingInput(telegram_id=telegram_id, kind=KIND)
    pending.kind, pending.case_id, pending.data, pending.created_at = KIND, None, data, now
    session.add(pending)
    await session.commit()
