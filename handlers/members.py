"""/members: coordinators list, inspect, deactivate members and change their areas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.access import current_actor, not_allowed
from handlers.context import LaneKeeperContext
from models.departure import deactivate_member
from models.members import (
    AreaRef,
    StreetMap,
    load_street_map,
    member_areas,
    set_member_areas,
)
from models.org import Member, MemberArea, Role, Street
from models.permissions import Actor, can_manage_member, can_see_member, manageable_streets
from notify.messenger import Messenger
from views.callbacks import as_area, as_int, pack, stale, unpack
from views.labels import area_choices, member_line, street_name

PATTERN = r"^(mb|ma):"
PAGE_SIZE = 8


async def _visible_members(
    context: LaneKeeperContext, actor: Actor, street_map: StreetMap
) -> list[tuple[Member, list[AreaRef]]]:
    """The street's members this actor may see, active first, then by role and name."""
    session = context.session
    members = list(
        await session.exec(select(Member).where(Member.street_id == street_map.street.id))
    )
    ids = [m.id for m in members]
    rows = await session.exec(select(MemberArea).where(col(MemberArea.member_id).in_(ids)))
    areas: dict[int, list[AreaRef]] = {}
    for row in rows:
        areas.setdefault(row.member_id, []).append(AreaRef.of(row))
    role_order = list(Role)
    visible = [
        (m, sorted(areas.get(m.id or 0, [])))
        for m in members
        if can_see_member(actor, street_map, m, areas.get(m.id or 0, []))
    ]
    visible.sort(key=lambda p: (not p[0].active, role_order.index(Role(p[0].role)), p[0].name))
    return visible


def _street_choice(
    context: LaneKeeperContext, streets: Sequence[Street], prefix: str
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    street_name(context.i18n, s), callback_data=pack(prefix, "s", s.id, 0)
                )
            ]
            for s in streets
        ]
    )


async def members_command(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    streets = await manageable_streets(context.session, actor)
    if not streets:
        await message.reply_text(not_allowed(context))
        return
    if len(streets) > 1:
        await message.reply_text(
            context.i18n.gettext("Which street?"),
            reply_markup=_street_choice(context, streets, "mb"),
        )
        return
    text, keyboard = await _page(context, actor, streets[0], 0)
    await message.reply_text(text, reply_markup=keyboard)


async def _page(
    context: LaneKeeperContext, actor: Actor, street: Street, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.i18n.gettext
    street_map = await load_street_map(context.session, street)
    visible = await _visible_members(context, actor, street_map)
    pages = max(1, -(-len(visible) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = visible[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [
        _("Members of {street} ({count}), page {page} of {pages}:").format(
            street=street_name(context.i18n, street), count=len(visible), page=page + 1, pages=pages
        )
    ]
    lines += [
        f"{n}. {member_line(context.i18n, street_map, m, a)}"
        for n, (m, a) in enumerate(shown, page * PAGE_SIZE + 1)
    ]
    rows = [
        [InlineKeyboardButton(f"{n}. {m.name}", callback_data=pack("mb", "m", m.id))]
        for n, (m, _a) in enumerate(shown, page * PAGE_SIZE + 1)
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=pack("mb", "s", street.id, page - 1)))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=pack("mb", "s", street.id, page + 1)))
    if nav:
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _detail(
    context: LaneKeeperContext, actor: Actor, member: Member
) -> tuple[str, InlineKeyboardMarkup] | None:
    _ = context.i18n.gettext
    street = await context.session.get(Street, member.street_id)
    assert street is not None and member.id is not None
    street_map = await load_street_map(context.session, street)
    areas = await member_areas(context.session, member.id)
    if not can_see_member(actor, street_map, member, areas):
        return None
    lines = [member_line(context.i18n, street_map, member, areas)]
    if member.phone:
        lines.append(_("Phone: {phone}").format(phone=member.phone))
    if member.joined_at:
        lines.append(_("Joined: {date}").format(date=context.i18n.format_date(member.joined_at)))
    rows = []
    if can_manage_member(actor, street_map, member, areas):
        if member.active:
            rows.append(
                [
                    InlineKeyboardButton(
                        _("Change areas"), callback_data=pack("ma", "e", member.id)
                    ),
                    InlineKeyboardButton(_("Deactivate"), callback_data=pack("mb", "d", member.id)),
                ]
            )
        else:
            rows.append(
                [InlineKeyboardButton(_("Reactivate"), callback_data=pack("mb", "r", member.id))]
            )
    rows.append(
        [InlineKeyboardButton(_("◀ All members"), callback_data=pack("mb", "s", street.id, 0))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _area_editor(
    context: LaneKeeperContext, member: Member, street_map: StreetMap, areas: list[AreaRef]
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.i18n.gettext
    options = area_choices(context.i18n, street_map, alleys=member.role == Role.STREET_CHIEF)
    rows = []
    for ref, label in options:
        mark = "✅ " if ref in areas else "▫️ "
        rows.append(
            [
                InlineKeyboardButton(
                    mark + label,
                    callback_data=pack("ma", "t", member.id, ref.token),
                )
            ]
        )
    rows.append([InlineKeyboardButton(_("Done"), callback_data=pack("mb", "m", member.id))])
    text = _("Areas of {name} (none: the whole street). Press to add or remove:").format(
        name=member.name
    )
    return text, InlineKeyboardMarkup(rows)


async def pressed(update: Update, context: LaneKeeperContext) -> None:
    query = update.callback_query
    actor = await current_actor(update, context)
    assert query is not None and actor is not None
    _ = context.i18n.gettext
    stale_text = stale(context.i18n)
    data = query.data or ""
    if fields := unpack(data, "mb", 3):  # page of a street: mb:s:<street>:<page>
        street_id, page = as_int(fields[1]), as_int(fields[2])
        street = await context.session.get(Street, street_id) if street_id else None
        allowed = street is not None and any(
            s.id == street.id for s in await manageable_streets(context.session, actor)
        )
        if fields[0] != "s" or street is None or page is None or not allowed:
            malformed = fields[0] != "s" or street is None or page is None
            await query.answer(stale_text if malformed else not_allowed(context), show_alert=True)
            return
        text, keyboard = await _page(context, actor, street, page)
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    fields = unpack(data, "mb", 2) or unpack(data, "ma", 2) or unpack(data, "ma", 3)
    member_id = as_int(fields[1]) if fields else None
    member = await context.session.get(Member, member_id) if member_id else None
    if fields is None or member is None:
        await query.answer(stale_text, show_alert=True)
        return
    action = data.split(":")[0] + ":" + fields[0]
    street = await context.session.get(Street, member.street_id)
    assert street is not None and member.id is not None
    street_map = await load_street_map(context.session, street)
    areas = await member_areas(context.session, member.id)
    if action == "mb:m":
        shown = await _detail(context, actor, member)
        if shown is None:
            await query.answer(not_allowed(context), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(shown[0], reply_markup=shown[1])
        return
    if not can_manage_member(actor, street_map, member, areas):
        await query.answer(not_allowed(context), show_alert=True)
        return
    now = context.services.clock.now()
    if action == "mb:d":
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Yes, deactivate"), callback_data=pack("mb", "D", member.id)
                    ),
                    InlineKeyboardButton(_("Cancel"), callback_data=pack("mb", "m", member.id)),
                ]
            ]
        )
        await query.answer()
        await query.edit_message_text(
            _(
                "Deactivate {name}? Their rights end at once: the open cases they hold go to "
                "their unit head or to triage, and their invitations stop working. Their "
                "history stays."
            ).format(name=member.name),
            reply_markup=keyboard,
        )
        return
    if action in ("mb:D", "mb:r"):
        if action == "mb:D":
            by = next((m.member.id for m in actor.in_street(member.street_id)), None)
            departure = await deactivate_member(
                context.session, member, now, by_telegram_id=actor.telegram_id, by_member_id=by
            )
            if departure is not None:
                messenger = Messenger(context.bot, context.session, context.services)
                await messenger.departure(departure, also=actor.telegram_id)
        else:
            member.active, member.deactivated_at = True, None
        context.session.add(member)
        await context.session.commit()
        await query.answer(_("Done."))
        shown = await _detail(context, actor, member)
        assert shown is not None
        await query.edit_message_text(shown[0], reply_markup=shown[1])
        return
    if action == "ma:e":
        text, keyboard = await _area_editor(context, member, street_map, areas)
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    if action == "ma:t" and len(fields) == 3:
        ref = as_area(fields[2])
        if ref is None or not street_map.has(ref):
            await query.answer(stale_text, show_alert=True)
            return
        wanted = sorted(set(areas) ^ {ref})
        if not can_manage_member(actor, street_map, member, wanted):
            await query.answer(not_allowed(context), show_alert=True)
            return
        await set_member_areas(context.session, member.id, wanted)
        await context.session.commit()
        text, keyboard = await _area_editor(context, member, street_map, wanted)
        await query.answer()
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    await query.answer(stale_text, show_alert=True)
