"""What a reporter lets those handling his case know: his name, his phone.

The choice can come after the dispatch went out (the receipt offers it); the callers then
correct the cards already sent (notify.messenger.Messenger.correct_cards). Hiding the name
hides the phone too: an anonymous reporter is not to be called.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import Case
from models.lifecycle import UNHANDLED_STATES
from models.users import TelegramUser

PHONE_MAX = 32


def own_case(case: Case | None, telegram_id: int) -> bool:
    """Only the reporter decides, and not for a case staff took for a caller."""
    return case is not None and case.reporter_telegram_id == telegram_id and case.channel is None


async def hide_reporter(session: AsyncSession, case: Case) -> None:
    case.anonymous = True
    case.contact_allowed = False
    session.add(case)
    await session.flush()


async def allow_contact(session: AsyncSession, case: Case) -> str | None:
    """The handler may call the reporter; his phone, or None while he has not shared it."""
    case.contact_allowed = True
    session.add(case)
    user = await session.get(TelegramUser, case.reporter_telegram_id)
    await session.flush()
    return user.phone if user else None


async def contact_of(session: AsyncSession, case: Case) -> str | None:
    """The phone the handler may see: only with the reporter's leave, never when anonymous."""
    if not case.contact_allowed or case.anonymous:
        return None
    if case.channel is not None:  # a phone left with the report itself (the web page)
        return case.caller_phone
    if case.reporter_telegram_id is None:
        return None
    user = await session.get(TelegramUser, case.reporter_telegram_id)
    return user.phone if user else None


async def waiting_for_phone(session: AsyncSession, telegram_id: int) -> list[Case]:
    """The reporter's open cases whose handler he said may call him."""
    return list(
        await session.exec(
            select(Case)
            .where(
                Case.reporter_telegram_id == telegram_id,
                col(Case.contact_allowed).is_(True),
                col(Case.anonymous).is_(False),
                col(Case.state).in_(list(UNHANDLED_STATES)),
            )
            .order_by(col(Case.id))
        )
    )


async def save_phone(session: AsyncSession, telegram_id: int, phone: str) -> list[Case]:
    """Kept only for a reporter who allowed a handler to call him; the cases it now reaches."""
    cases = await waiting_for_phone(session, telegram_id)
    user = await session.get(TelegramUser, telegram_id)
    if not cases or user is None:
        return []
    user.phone = phone[:PHONE_MAX]
    session.add(user)
    await session.flush()
    return cases
