"""Cancelling a question about a case or a meeting: the "✖️ Cancel" button (`qx:`, see
views/cancel.py) or a cancel word typed while the question waits. The question is dropped
and nothing else changes; the one who cancelled is told so.

A press is checked on the server: on a question waiting for a typed answer, the presser's
own open question must be the one the button names; on the choices before it, the presser
must be one who may act on the case. Anything else (forged, stale, someone else's) gets the
polite refusal and changes nothing.
"""

from __future__ import annotations

from telegram import Update

from handlers import case_press
from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models import dispatch as questions
from models.cases import Case, PendingInput
from models.drafts import is_cancel_word
from models.staff_reports import KIND as STAFF_REPORT
from views import cancel as texts
from views import staff_reports as staff_texts
from views.callbacks import as_int, stale, unpack

PATTERN = rf"^{texts.PREFIX}:"


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    fields = unpack(query.data, texts.PREFIX, 3) or unpack(query.data, texts.PREFIX, 2) or []
    kind = fields[0] if fields else ""
    ref = as_int(fields[1]) if len(fields) > 1 else None
    menu = len(fields) == 3
    if (
        kind not in texts.KINDS
        or ref is None
        or (menu and (fields[2] != texts.MENU or kind not in texts.MENU_KINDS))
    ):
        await query.answer(stale(context.i18n), show_alert=True)
        return
    case = await context.session.get(Case, ref) if kind in texts.CASE_KINDS else None
    if not await questions.drop_pending(context.session, actor.telegram_id, kind, ref):
        if not menu:  # answered, cancelled, replaced, or never the presser's
            await query.answer(stale(context.i18n), show_alert=True)
            return
        # The choices before any question: only those who may act on the case had them.
        ctx = await questions.load(context.session, ref)
        if ctx is None:
            await query.answer(stale(context.i18n), show_alert=True)
            return
        if not await questions.may_act(context.session, actor, ctx):
            await query.answer(not_allowed(context), show_alert=True)
            return
    await query.answer()
    await case_press.edit(update, texts.cancelled(context.i18n, kind, case))


async def typed(update: Update, context: LaneKeeperContext, pending: PendingInput) -> bool:
    """A cancel word typed alone in answer to `pending` (already taken from the database):
    the question is dropped and the person told. False for any other answer."""
    message = update.effective_message
    if message is None or not is_cancel_word(message.text):
        return False
    await context.session.commit()  # the question, taken, stays gone
    if pending.kind == STAFF_REPORT:
        await message.reply_text(staff_texts.cancelled(context.i18n))
        return True
    case = await context.session.get(Case, pending.case_id) if pending.case_id else None
    await message.reply_text(texts.cancelled(context.i18n, pending.kind, case))
    return True
