"""/me: who the bot takes you for, in every street you belong to."""

from __future__ import annotations

from telegram import Update

from handlers.access import current_actor
from handlers.context import LaneKeeperContext
from models.members import load_street_map
from models.org import Community, Street
from views.labels import community_name, member_line, street_name


async def me(update: Update, context: LaneKeeperContext) -> None:
    message = update.effective_message
    actor = await current_actor(update, context)
    if message is None or actor is None:
        return
    _ = context.i18n.gettext
    lines = []
    if actor.is_admin:
        lines.append(_("You are an administrator: you may act in every street."))
    for membership in actor.memberships:
        street = await context.session.get(Street, membership.member.street_id)
        assert street is not None
        street_map = await load_street_map(context.session, street)
        lines.append(
            _("{street}: {member}").format(
                street=street_name(context.i18n, street),
                member=member_line(context.i18n, street_map, membership.member, membership.areas),
            )
        )
    if not lines:
        lines.append(
            _(
                "You are not a member of a linkage group. As a resident you can report "
                "problems in the alleys: just send me a message."
            )
        )
        user = context.user
        if user is not None and user.community_id is not None:
            community = await context.session.get(Community, user.community_id)
            if community is not None:
                lines.append(
                    _("Your community: {community}").format(
                        community=community_name(context.i18n, community)
                    )
                )
    await message.reply_text("\n".join(lines))
