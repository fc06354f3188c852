"""The digest: when the quiet hours end, each person (and group) hears what was held for
them in one message, written from the cases as they stand now.

Run by the deadline pass (scheduler/deadlines.py). The held rows are marked told or dropped
in the same transaction as the digest message enters the outbox, so a pass replayed after a
crash tells nobody twice, and a crash before it loses nothing: the rows are still there.
"""

from __future__ import annotations

from datetime import datetime

from models import held, outbox
from models.cases import Case, CaseState
from models.messaging import HeldNotice, HeldOutcome
from models.org import Street
from notify.messenger import Messenger
from views.digest import Item, digest, open_buttons


async def send_digests(messenger: Messenger, now: datetime) -> list[int]:
    """Every digest that is due; the chats told (for tests)."""
    session = messenger.session
    told: list[int] = []
    for chat_id, rows in (await held.due(session, now)).items():
        chosen: dict[int, HeldNotice] = {}
        cases: dict[int, Case] = {}
        for row in rows:
            case = await session.get(Case, row.case_id)
            if not await held.still_meant(session, row, case):
                held.release(session, row, now, HeldOutcome.DROPPED)
                continue
            assert case is not None
            cases[row.case_id] = case
            # One line per case: the notice furthest along (overdue rather than reminded).
            before = chosen.get(row.case_id)
            if before is None or held.RANK[row.kind] >= held.RANK[before.kind]:
                chosen[row.case_id] = row
        kept = [row for row in rows if row.outcome is None]
        if not chosen:
            continue
        first = cases[next(iter(chosen))]
        if chat_id < 0:  # a group: the deployment's language
            street = await session.get(Street, first.street_id) if first.street_id else None
            i18n = messenger.services.i18n(None, street.timezone if street else None)
        else:
            i18n = await messenger.i18n(chat_id, first)
        items = []
        for case_id, row in chosen.items():
            case = cases[case_id]
            category, alley = await messenger.names(case)
            if case.state == CaseState.TRIAGE:  # handed back: no unit has it now
                who = i18n.gettext("the street office's triage")
            else:
                who = await messenger.lead_label(case, i18n)
            items.append(Item(row.kind, case, category, alley, row.level, who))
        quiet = messenger.services.config.quiet_hours
        text = digest(i18n, items, quiet.start, quiet.end)
        keyboard = open_buttons([item.case for item in items]) if chat_id > 0 else None
        message = await outbox.enqueue(
            session,
            chat_id,
            {"text": text, "reply_markup": keyboard.to_dict() if keyboard else None},
            now=now,
            dedupe_key=f"digest:{chat_id}:{kept[0].id}",
        )
        if message is not None:
            await session.flush()
        for row in kept:
            held.release(session, row, now, HeldOutcome.TOLD, message.id if message else None)
        told.append(chat_id)
    return told
