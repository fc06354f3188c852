"""Minutes: a meeting's decisions as action items, with an owner and a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.meetings import ActionItem, ActionItemState, MeetingOccurrence, MeetingSeries
from models.org import Member, Names, Party, Role


async def add_item(
    session: AsyncSession, occurrence: MeetingOccurrence, text: str, by: int, now: datetime
) -> ActionItem:
    series = await session.get(MeetingSeries, occurrence.series_id)
    assert series is not None
    item = ActionItem(
        street_id=series.street_id,
        occurrence_id=occurrence.id,
        text=text,
        created_by_telegram_id=by,
        created_at=now,
    )
    session.add(item)
    await session.commit()
    return item


async def drop_unfinished(session: AsyncSession, item: ActionItem) -> bool:
    """A decision being entered, dropped: only before its due date is set (until then nobody
    has been told of it). False when it is recorded already. Commits."""
    if item.due_date is not None:
        return False
    await session.delete(item)
    await session.commit()
    return True


async def owner_labels(session: AsyncSession, items: Sequence[ActionItem]) -> dict[int, Names]:
    """Who owns each item, by item id: a person by name, a unit by both its names."""
    labels = {}
    for item in items:
        if item.owner_member_id is not None:
            member = await session.get(Member, item.owner_member_id)
            labels[item.id or 0] = Names(member.name if member else "—")
        elif item.owner_party_id is not None:
            party = await session.get(Party, item.owner_party_id)
            labels[item.id or 0] = Names(party.name, party.name_en) if party else Names("—")
    return labels


async def owners_to_tell(session: AsyncSession, item: ActionItem) -> list[int]:
    """The owner member; for a party, its unit head, else its liaisons."""
    if item.owner_member_id is not None:
        member = await session.get(Member, item.owner_member_id)
        return [member.telegram_id] if member and member.telegram_id else []
    if item.owner_party_id is None:
        return []
    members = list(
        await session.exec(
            select(Member)
            .where(
                Member.party_id == item.owner_party_id,
                col(Member.active).is_(True),
                col(Member.telegram_id).is_not(None),
            )
            .order_by(col(Member.id))
        )
    )
    heads = [m for m in members if m.role == Role.UNIT_HEAD]
    return [m.telegram_id for m in (heads or members) if m.telegram_id is not None]


async def due_items(session: AsyncSession, today: date, now: datetime) -> list[ActionItem]:
    """Open items due today or before and not yet reminded; marked reminded here."""
    items = list(
        await session.exec(
            select(ActionItem).where(
                ActionItem.state == ActionItemState.OPEN,
                col(ActionItem.due_date).is_not(None),
                col(ActionItem.due_date) <= today,
                col(ActionItem.reminded_at).is_(None),
            )
        )
    )
    for item in items:
        item.reminded_at = now
        session.add(item)
    await session.flush()  # committed by the caller with the reminders it sends
    return items
