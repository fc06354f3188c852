"""Joining a linkage group through an invitation link (t.me/<bot>?start=<code>)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from handlers.context import LaneKeeperContext
from locales.i18n import I18n
from models import privacy
from models.invites import (
    AlreadyMember,
    InviteError,
    InviteStatus,
    accept_invite,
    find_invite,
    looks_like_code,
    usable,
)
from models.members import AreaRef, load_street_map, memberships
from models.org import Street
from notify.messenger import Messenger
from views import privacy as privacy_texts
from views.callbacks import pack, stale, unpack
from views.labels import areas_text, party_name, role_name, street_name

PATTERN = r"^join:"


def refusal(i18n: I18n, status: InviteStatus) -> str:
    _ = i18n.gettext
    return {
        InviteStatus.UNKNOWN: _(
            "This invitation link is not valid. Check that you opened the whole link, "
            "or ask the coordinator for a new one."
        ),
        InviteStatus.EXPIRED: _(
            "This invitation has expired. Ask the coordinator who sent it for a new one."
        ),
        InviteStatus.USED: _(
            "This invitation has already been used. Ask the coordinator for a new one."
        ),
        InviteStatus.REVOKED: _(
            "This invitation was withdrawn. Ask the coordinator if you should still join."
        ),
        InviteStatus.VALID: "",
    }[status]


def is_invite_payload(payload: str) -> bool:
    return looks_like_code(payload)


async def show_invitation(update: Update, context: LaneKeeperContext, code: str) -> None:
    message = update.effective_message
    assert message is not None
    _ = context.i18n.gettext
    invite = await find_invite(context.session, code)
    status = await usable(context.session, invite, context.services.clock.now())
    if invite is None or status is not InviteStatus.VALID:
        await message.reply_text(refusal(context.i18n, status))
        return
    street = await context.session.get(Street, invite.street_id)
    assert street is not None
    street_map = await load_street_map(context.session, street)
    party = street_map.parties.get(invite.party_id) if invite.party_id else None
    areas = [AreaRef.from_json(a) for a in invite.areas]
    names = {
        "street": street_name(context.i18n, street),
        "role": role_name(context.i18n, invite.role),
        "party": party_name(context.i18n, party),
        "areas": areas_text(context.i18n, street_map, areas),
    }
    if party is not None:
        text = _(
            "You are invited to join the ten-in-one linkage group of {street} as {role} "
            "of {party}, answering for {areas}."
        ).format(**names)
    else:
        text = _(
            "You are invited to join the ten-in-one linkage group of {street} as {role}, "
            "answering for {areas}."
        ).format(**names)
    text += "\n\n" + _(
        "As a member you receive the cases of your area and the meetings of your group."
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Join"), callback_data=pack("join", code)),
                InlineKeyboardButton(_("Not me"), callback_data=pack("join", "no")),
            ]
        ]
    )
    await message.reply_text(text, reply_markup=keyboard)


def phone_keyboard(i18n: I18n) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(i18n.gettext("📱 Share my number"), request_contact=True)],
            [KeyboardButton(i18n.gettext("Skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def join_pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.i18n.gettext
    fields = unpack(query.data, "join", 1)
    if fields is None:
        await query.answer(stale(context.i18n), show_alert=True)
        return
    [code] = fields
    if code == "no":
        await query.answer()
        await query.edit_message_text(_("All right, you did not join. Nothing was changed."))
        return
    user = query.from_user
    try:
        member = await accept_invite(
            context.session,
            code,
            telegram_id=user.id,
            name=user.full_name,
            now=context.services.clock.now(),
        )
    except InviteError as err:
        await query.answer()
        await query.edit_message_text(refusal(context.i18n, err.status))
        return
    except AlreadyMember as err:
        await query.answer()
        await query.edit_message_text(
            _("You are already a member of this linkage group, as {role}.").format(
                role=role_name(context.i18n, err.member.role)
            )
        )
        return
    await query.answer()
    await query.edit_message_text(
        _("Welcome, {name}! You have joined as {role}. /me shows what you answer for.").format(
            name=member.name, role=role_name(context.i18n, member.role)
        )
    )
    if member.phone is None:
        await context.bot.send_message(
            user.id,
            _(
                "Would you share your phone number, so that coordinators can call you when a "
                "case is urgent? This is optional."
            ),
            reply_markup=phone_keyboard(context.i18n),
        )


async def contact_shared(update: Update, context: LaneKeeperContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    _ = context.i18n.gettext
    if message.contact.user_id != user.id:
        await message.reply_text(_("Please share your own number, with the button below."))
        return
    phone = message.contact.phone_number
    mine = await memberships(context.session, user.id)
    for member in mine:
        member.phone = phone
        context.session.add(member)
    # A reporter who let the handler of a case call him: the cards now carry the number.
    reached = await privacy.save_phone(context.session, user.id, phone)
    messenger = Messenger(context.bot, context.session, context.services)
    for case in reached:
        await messenger.correct_cards(case)
    await context.session.commit()
    if reached:
        text = privacy_texts.phone_saved(context.i18n, reached)
    elif mine:
        text = _("Thank you, your number is saved for your linkage group.")
    else:
        text = _("Thank you. You are not a member of a linkage group, so nothing was saved.")
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def phone_skipped(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.i18n.gettext("All right. /me shows your membership."),
        reply_markup=ReplyKeyboardRemove(),
    )
