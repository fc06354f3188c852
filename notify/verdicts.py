"""The lead assignee hears what the one who verified said (in Telegram or on the public
case page)."""

from __future__ import annotations

from models.dispatch import CaseContext
from notify.messenger import Messenger
from views import case_replies


async def tell_assignee(
    messenger: Messenger, ctx: CaseContext, kind: str, reason: str = ""
) -> None:
    """The lead assignee hears the reporter's verdict: "closed", "reopened" (the case again,
    with its buttons), or "objection" (what is still wrong, typed after "not fixed")."""
    member = ctx.lead_member
    if member is None or member.telegram_id is None:
        return
    i18n = await messenger.i18n(member.telegram_id, ctx.case)
    if kind == "closed":
        await messenger.send(member.telegram_id, case_replies.closed_to_assignee(i18n, ctx.case))
    elif kind == "objection":
        await messenger.send(
            member.telegram_id, case_replies.objection_to_assignee(i18n, ctx.case, reason)
        )
    else:
        note = case_replies.reopened_note(i18n, reason)
        await messenger.assignment(ctx.case, member, note=note, rework=True)
