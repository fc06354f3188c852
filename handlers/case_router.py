"""Every case button lands here and goes to its verb's handler.

Button data is `cs:<verb>:<case or assignment id>[:<argument>]`; what it names is reloaded
and the presser's rights checked on every press (models/dispatch.py). Questions that need
words or a photo (a reason, a note, the photo of the fix) are stored as a PendingInput and
answered by the person's next message (handlers/pending_answers.py).
"""

from __future__ import annotations

from telegram import Update

from handlers import (
    case_actions,
    case_endings,
    postpone,
    postpone_dates,
    triage,
    verification,
)
from handlers.access import current_actor, not_allowed
from handlers.case_press import Verb
from handlers.cases import open_case
from handlers.context import LaneKeeperContext
from models import dispatch as cases
from models.lifecycle import TransitionError
from views import case_replies
from views.callbacks import stale, verb_press

PATTERN = r"^cs:"
VERBS: dict[str, Verb] = {
    "a": case_actions.accept,
    "b": case_actions.hand_back_menu,
    "B": case_actions.hand_back,
    "d": case_actions.done,
    "p": postpone.postpone_menu,
    "P": postpone.postpone,
    "Pt": postpone_dates.ask_date,
    "Pc": postpone_dates.confirm_date,
    "Y": postpone.decide_postponement,
    "x": case_actions.assist_done,
    "v": verification.verify,
    "s": verification.rate,
    "t": triage.choose_party,
    "tp": triage.choose_person,
    "tm": triage.assign,
    "tc": triage.choose_category,
    "tk": triage.set_category,
    "na": case_endings.not_accepted_menu,
    "nr": case_endings.not_accepted,
    "tr": case_endings.transfer_menu,
    "to": case_endings.transfer_to,
    "rc": case_endings.reopen_closed,
    "o": open_case,
}


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    verb, ident, arg = verb_press(query.data) or ("", None, None)
    handler = VERBS.get(verb)
    if handler is None or ident is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    try:
        await handler(update, context, actor, ident, arg)
    except cases.NotAllowed:
        await query.answer(not_allowed(context), show_alert=True)
    except TransitionError:
        await query.answer(case_replies.moved_on(context.i18n), show_alert=True)
