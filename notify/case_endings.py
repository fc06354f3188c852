"""Notices of a case closed without handling (不予立案, 转办) or back after closure, each
recipient in their own language, through the Messenger's outbox."""

from __future__ import annotations

from models.cases import Case
from models.org import Member, OutsideBody
from notify.messenger import Messenger
from views import case_endings


async def not_accepted(
    messenger: Messenger,
    case: Case,
    reason_code: str,
    reason: str,
    holder: Member | None,
    skip: int | None = None,
) -> None:
    """The reporter and co-reporters hear the reason; the member who held it is released."""
    for telegram_id in await messenger.followers(case):
        if telegram_id == skip:
            continue
        i18n = await messenger.i18n(telegram_id, case)
        text = case_endings.reason_text(i18n, reason_code, reason)
        await messenger.send(telegram_id, case_endings.not_accepted_notice(i18n, case, text))
    await _release(messenger, case, holder, transferred=False, skip=skip)


async def transferred(
    messenger: Messenger,
    case: Case,
    body: OutsideBody,
    holder: Member | None,
    skip: int | None = None,
) -> None:
    """The reporter and co-reporters hear where it went (not the staff's note)."""
    for telegram_id in await messenger.followers(case):
        if telegram_id == skip:
            continue
        i18n = await messenger.i18n(telegram_id, case)
        await messenger.send(telegram_id, case_endings.transferred_notice(i18n, case, body))
    await _release(messenger, case, holder, transferred=True, skip=skip)


async def _release(
    messenger: Messenger, case: Case, holder: Member | None, *, transferred: bool, skip: int | None
) -> None:
    if holder is None or holder.telegram_id is None or holder.telegram_id == skip:
        return
    i18n = await messenger.i18n(holder.telegram_id, case)
    await messenger.send(holder.telegram_id, case_endings.released_notice(i18n, case, transferred))


async def reopened_closed(
    messenger: Messenger, case: Case, member: Member | None, reason: str, skip: int | None
) -> None:
    """The unit gets the case back with its buttons; the other followers hear of it; with
    nobody in the unit to take it, the street coordinators are asked to assign it."""
    if member is not None and member.telegram_id is not None:
        i18n = await messenger.i18n(member.telegram_id, case)
        await messenger.assignment(
            case, member, note=case_endings.reopened_closed_note(i18n, reason)
        )
    else:
        await messenger.triage(case, reason)
    for telegram_id in await messenger.followers(case):
        if telegram_id == skip:
            continue
        i18n = await messenger.i18n(telegram_id, case)
        await messenger.send(telegram_id, case_endings.reopened_closed_notice(i18n, case))
