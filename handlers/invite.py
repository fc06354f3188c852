"""/invite: a coordinator (or a unit head, for liaisons) makes an invitation link in three taps.

The choices travel in the button data (street, role, party, area); nothing waits in memory,
and every tap is checked again against the presser's rights.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from locales.i18n import I18n
from models.invites import create_invite, deep_link, revoke
from models.members import AreaRef, StreetMap, load_street_map
from models.org import Invite, Role, Street
from models.permissions import Actor, can_invite, can_invite_any, manageable_streets
from views.callbacks import as_area, as_int, pack, stale
from views.invitations import invitation_text
from views.labels import area_choices, party_name, role_name, street_name

PATTERN = r"^iv:"
ROLE_LETTERS = {
    "c": Role.COORDINATOR,
    "u": Role.UNIT_HEAD,
    "l": Role.LIAISON,
    "s": Role.STREET_CHIEF,
    "i": Role.INSPECTOR,
}
LETTER_OF = {role: letter for letter, role in ROLE_LETTERS.items()}


def _button(text: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=pack("iv", *parts))


async def _streets(context: LaneKeeperContext, actor: Actor) -> list[Street]:
    result = []
    for street in await manageable_streets(context.session, actor):
        if can_invite_any(actor, await load_street_map(context.session, street)):
            result.append(street)
    return result


async def invite_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    streets = await _streets(context, actor)
    if not streets:
        await message.reply_text(not_allowed(context))
        return
    if len(streets) == 1:
        text, keyboard = await _step(context, actor, [str(streets[0].id)])
    else:
        text = context.i18n.gettext("Which street?")
        keyboard = InlineKeyboardMarkup(
            [[_button(street_name(context.i18n, s), s.id)] for s in streets]
        )
    await message.reply_text(text, reply_markup=keyboard)


def _area_options(i18n: I18n, street_map: StreetMap, role: Role) -> list[tuple[str, str]]:
    chief = role == Role.STREET_CHIEF
    options = [] if chief else [("w", "")]
    return options + [
        (ref.token, label) for ref, label in area_choices(i18n, street_map, alleys=chief)
    ]


def _area(code: str, street_map: StreetMap) -> list[AreaRef] | None:
    if code == "w":
        return []
    ref = as_area(code)
    return [ref] if ref is not None and street_map.has(ref) else None


async def _step(
    context: LaneKeeperContext, actor: Actor, fields: list[str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The next question for the choices made so far (street, role, party, area)."""
    _ = context.i18n.gettext
    street_id = as_int(fields[0])
    street = await context.session.get(Street, street_id) if street_id else None
    if street is None:
        raise LookupError
    street_map = await load_street_map(context.session, street)
    if not can_invite_any(actor, street_map):
        raise PermissionError
    sid = street.id
    # Coordinators invite any role; a unit head only liaisons of their own party.
    coordinates = actor.is_admin or bool(actor.coordinated_communities(street_map))
    roles = ROLE_LETTERS if coordinates else {"l": Role.LIAISON}
    if len(fields) == 1:
        return _("Invite whom? Choose the role:"), InlineKeyboardMarkup(
            [
                [_button(role_name(context.i18n, role), sid, letter)]
                for letter, role in roles.items()
            ]
        )
    role = roles.get(fields[1])
    if role is None:
        raise LookupError
    if len(fields) == 2:
        parties = sorted(street_map.parties.values(), key=lambda p: p.id or 0)
        if not coordinates:
            parties = [p for p in parties if p.id in actor.headed_parties(sid or 0)]
        rows = [[_button(party_name(context.i18n, p), sid, fields[1], p.id)] for p in parties]
        if role == Role.STREET_CHIEF:
            rows.insert(0, [_button(_("No party"), sid, fields[1], 0)])
        return _("Of which party?"), InlineKeyboardMarkup(rows)
    party_id = as_int(fields[2])
    if party_id is None or (party_id and party_id not in street_map.parties):
        raise LookupError
    if len(fields) == 3:
        rows = []
        for code, label in _area_options(context.i18n, street_map, role):
            areas = _area(code, street_map)
            if areas is not None and can_invite(actor, street_map, role, party_id or None, areas):
                rows.append(
                    [_button(label or _("The whole street"), sid, fields[1], party_id, code)]
                )
        return _("Answering for which area?"), InlineKeyboardMarkup(rows)
    areas = _area(fields[3], street_map)
    if areas is None:
        raise LookupError
    if not can_invite(actor, street_map, role, party_id or None, areas):
        raise PermissionError
    member_of_actor = next((m.member for m in actor.in_street(sid or 0)), None)
    new = await create_invite(
        context.session,
        street_id=street.id or 0,
        role=role,
        party_id=party_id or None,
        areas=areas,
        now=context.services.clock.now(),
        created_by_member_id=member_of_actor.id if member_of_actor else None,
        created_by_telegram_id=actor.telegram_id,
    )
    await context.session.commit()
    link = deep_link(context.bot.username, new.code)
    party = street_map.parties.get(party_id) if party_id else None
    text = invitation_text(context.i18n, street_map, role, party, areas, new.invite.expires_at)
    keyboard = InlineKeyboardMarkup([[_button(_("Withdraw"), "x", new.invite.id)]])
    return f"{text}\n{link}", keyboard


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    _ = context.i18n.gettext
    fields = (query.data or "").split(":")[1:]
    if len(fields) == 2 and fields[0] == "x":
        await _withdraw(update, context, actor, fields[1])
        return
    if not 1 <= len(fields) <= 4:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    try:
        text, keyboard = await _step(context, actor, fields)
    except LookupError:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    except PermissionError:
        await query.answer(not_allowed(context), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard, disable_web_page_preview=True)


async def _withdraw(update: Update, context: LaneKeeperContext, actor: Actor, ident: str) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    invite_id = as_int(ident)
    invite = await context.session.get(Invite, invite_id) if invite_id else None
    if invite is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    street = await context.session.get(Street, invite.street_id)
    assert street is not None
    street_map = await load_street_map(context.session, street)
    areas = [AreaRef.from_json(a) for a in invite.areas]
    mine = invite.created_by_telegram_id == actor.telegram_id
    if not (mine or can_invite(actor, street_map, Role(invite.role), invite.party_id, areas)):
        await query.answer(not_allowed(context), show_alert=True)
        return
    await revoke(context.session, invite, context.services.clock.now())
    await context.session.commit()
    await query.answer()
    await query.edit_message_text(_("Invitation withdrawn: the link no longer works."))
