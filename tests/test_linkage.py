"""Linkage groups over the fake Bot API: invitations, /me, /members, /invite, group chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from fakegram import FakeBotApi, FakeChat, FakeUser, Recorded
from models.clock import ManualClock
from models.db import Database
from models.invites import create_invite, find_invite, revoke
from models.members import member_areas
from models.org import Community, Member, Role, Street
from models.roster import ImportReport
from models.users import TelegramUser
from tests.harness import T0, BotHarness, bot_running

CHEN = FakeUser(100001, "陈建国")  # street coordinator
ZHOU = FakeUser(100002, "周丽")  # community coordinator of fuxing
WANG = FakeUser(100010, "王强")  # unit head, enforcement
LIN = FakeUser(100080, "林老伯")  # street chief
RESIDENT = FakeUser(900001, "小王")
NEWCOMER = FakeUser(100099, "马超")
GROUP = FakeChat(-1001000000555, "复兴社区群")


@pytest.fixture
async def invite_code(roster: ImportReport) -> str:
    """The sample roster imported; the code printed for 马超, who has no telegram_id."""
    [(_member, new)] = roster.invites
    return new.code


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, invite_code: str, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    async with bot_running(db_url, api, clock=clock) as harness:
        yield harness


async def member_named(db_url: str, name: str) -> Member:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return (await session.exec(select(Member).where(Member.name == name))).one()
    finally:
        await database.dispose()


def texts(records: list[Recorded]) -> list[str]:
    return [r.text for r in records]


# -- invitations ---------------------------------------------------------------------------


async def test_joining_with_the_roster_invitation(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    [offer] = await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code))
    assert offer.text.startswith(
        "邀请您以辖区单位联络组联络员的身份加入南星街道“十位一体”联动小组，负责整个街道。"
    )
    [welcome] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    assert welcome.method == "editMessageText"
    assert welcome.text == "欢迎您，马超！您已作为联络员加入。/me 可查看您负责的区域。"
    # The roster gave his phone, so he is not asked; sharing a new one still updates it.
    update = bot.api.push(
        {
            "message": {
                **bot.api._user_message(NEWCOMER, None),
                "contact": {
                    "phone_number": "+8613800000071",
                    "first_name": "马超",
                    "user_id": NEWCOMER.id,
                },
            }
        }
    )
    [saved] = await bot.replies(update)
    assert saved.text == "谢谢，您的号码已保存，供联动小组联系使用。"
    assert saved.params["reply_markup"] == {"remove_keyboard": True}
    [me] = await bot.replies(bot.api.send_command(NEWCOMER, "/me"))
    assert me.text == "南星街道：马超 · 联络员 · 辖区单位联络组 · 整个街道"
    ma = await member_named(db_url, "马超")
    assert ma.telegram_id == NEWCOMER.id and ma.phone == "+8613800000071" and ma.joined_at


async def test_someone_elses_contact_is_not_saved(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    offer = (await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code)))[0]
    await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    update = bot.api.push(
        {
            "message": {
                **bot.api._user_message(NEWCOMER, None),
                "contact": {"phone_number": "+8613999999999", "first_name": "别人", "user_id": 555},
            }
        }
    )
    [reply] = await bot.replies(update)
    assert reply.text == "请用下面的按钮分享您本人的号码。"
    assert (await member_named(db_url, "马超")).phone == "+86 138 0000 0070"


async def test_an_invitation_works_once(bot: BotHarness, invite_code: str) -> None:
    offer = (await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code)))[0]
    await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    other = FakeUser(100123, "冒名者")
    [reply] = await bot.replies(bot.api.send_command(other, "/start", invite_code))
    assert reply.text == "这个邀请已被使用。请向协调员索取新的邀请。"
    assert reply.buttons() == []


async def test_a_second_press_on_join_changes_nothing(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    offer = (await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code)))[0]
    await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    [again] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    assert again.text == "这个邀请已被使用。请向协调员索取新的邀请。"
    assert (await member_named(db_url, "马超")).telegram_id == NEWCOMER.id


async def test_expired_revoked_and_unknown_invitations(bot: BotHarness, db_url: str) -> None:
    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        assert street.id is not None
        long_ago = T0 - timedelta(days=8)
        expired = await create_invite(session, street_id=street.id, role=Role.LIAISON, now=long_ago)
        withdrawn = await create_invite(session, street_id=street.id, role=Role.LIAISON, now=T0)
        await revoke(session, withdrawn.invite, T0)
        await session.commit()
    await database.dispose()
    user = FakeUser(100200, "Newbie", "en")
    [reply] = await bot.replies(bot.api.send_command(user, "/start", expired.code))
    assert (
        reply.text == "This invitation has expired. Ask the coordinator who sent it for a new one."
    )
    [reply] = await bot.replies(bot.api.send_command(user, "/start", withdrawn.code))
    assert reply.text.startswith("This invitation was withdrawn.")
    [reply] = await bot.replies(bot.api.send_command(user, "/start", "A" * 22))
    assert reply.text.startswith("This invitation link is not valid.")


async def test_an_invitation_withdrawn_after_it_was_shown(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    offer = (await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code)))[0]
    database = Database(db_url)
    async with database.session() as session:
        invite = await find_invite(session, invite_code)
        assert invite is not None
        await revoke(session, invite, T0)
        await session.commit()
    await database.dispose()
    [reply] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    assert reply.text.startswith("这个邀请已被撤回")
    assert (await member_named(db_url, "马超")).telegram_id is None


async def test_a_forged_join_button_does_nothing(bot: BotHarness, db_url: str) -> None:
    [menu] = await bot.replies(bot.api.send_command(RESIDENT, "/language"))
    [reply] = await bot.replies(bot.api.press(RESIDENT, menu, "join:" + "B" * 22))
    assert reply.text.startswith("这个邀请链接无效")
    assert (await member_named(db_url, "马超")).telegram_id is None


async def test_declining_changes_nothing(bot: BotHarness, invite_code: str, db_url: str) -> None:
    offer = (await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code)))[0]
    [reply] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "不是我"))
    assert reply.text == "好的，您没有加入，一切保持不变。"
    assert (await member_named(db_url, "马超")).telegram_id is None


async def set_active(db_url: str, name: str, active: bool) -> None:
    """Change a member's standing directly, as data from before deactivation withdrew
    invitations would have it."""
    database = Database(db_url)
    async with database.session() as session:
        member = (await session.exec(select(Member).where(Member.name == name))).one()
        member.active = active
        session.add(member)
        await session.commit()
    await database.dispose()


async def deactivate_with_buttons(bot: BotHarness, db_url: str, name: str) -> None:
    member = await member_named(db_url, name)
    [page] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    [detail] = await bot.replies(bot.api.press(CHEN, page, f"mb:m:{member.id}"))
    [confirm] = await bot.replies(bot.api.press_button(CHEN, detail, "停用"))
    await bot.replies(bot.api.press_button(CHEN, confirm, "确定停用"))


async def test_deactivating_a_member_who_has_not_joined_withdraws_his_invitation(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    [offer] = await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code))
    await deactivate_with_buttons(bot, db_url, "马超")
    [reply] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    assert reply.text.startswith("这个邀请已被撤回")
    [reply] = await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code))
    assert reply.text.startswith("这个邀请已被撤回")
    ma = await member_named(db_url, "马超")
    assert not ma.active and ma.telegram_id is None


async def test_joining_never_reactivates_a_deactivated_member(
    bot: BotHarness, invite_code: str, db_url: str
) -> None:
    [offer] = await bot.replies(bot.api.send_command(NEWCOMER, "/start", invite_code))
    await set_active(db_url, "马超", False)  # his invitation was left unrevoked
    [reply] = await bot.replies(bot.api.press_button(NEWCOMER, offer, "加入"))
    assert reply.text.startswith("这个邀请已被撤回")
    ma = await member_named(db_url, "马超")
    assert not ma.active and ma.telegram_id is None


async def zhou_invites(bot: BotHarness) -> str:
    [roles] = await bot.replies(bot.api.send_command(ZHOU, "/invite"))
    [parties] = await bot.replies(bot.api.press_button(ZHOU, roles, "联络员"))
    [areas] = await bot.replies(bot.api.press_button(ZHOU, parties, "南星环卫所"))
    [made] = await bot.replies(bot.api.press_button(ZHOU, areas, "复兴社区"))
    return made.text.splitlines()[-1].split("=", 1)[1]


async def test_an_invitation_stops_working_when_its_maker_is_deactivated(
    bot: BotHarness, db_url: str
) -> None:
    code = await zhou_invites(bot)
    person = FakeUser(100310, "钱七")
    [offer] = await bot.replies(bot.api.send_command(person, "/start", code))
    await deactivate_with_buttons(bot, db_url, "周丽")
    [reply] = await bot.replies(bot.api.press_button(person, offer, "加入"))
    assert reply.text.startswith("这个邀请已被撤回")
    database = Database(db_url)
    async with database.session() as session:
        assert (await session.exec(select(Member).where(Member.name == "钱七"))).first() is None
    await database.dispose()


async def test_an_invitation_is_checked_against_its_maker_when_used(
    bot: BotHarness, db_url: str
) -> None:
    code = await zhou_invites(bot)
    await set_active(db_url, "周丽", False)  # her invitation was left unrevoked
    person = FakeUser(100311, "孙八")
    [reply] = await bot.replies(bot.api.send_command(person, "/start", code))
    assert reply.text.startswith("这个邀请已被撤回")
    await set_active(db_url, "周丽", True)
    [offer] = await bot.replies(bot.api.send_command(person, "/start", code))
    await set_active(db_url, "周丽", False)
    [reply] = await bot.replies(bot.api.press_button(person, offer, "加入"))
    assert reply.text.startswith("这个邀请已被撤回")


# -- what members and residents see ------------------------------------------------------------


async def test_me_for_members_and_residents(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(LIN, "/me"))
    assert reply.text == "南星街道：林老伯 · 街长 · 复兴街、桥直巷"
    [reply] = await bot.replies(bot.api.send_command(FakeUser(100011, "Liu", "en"), "/me"))
    assert reply.text == (
        "Nanxing Subdistrict: 刘洋 · liaison · 南星执法中队 · "
        "复兴社区 fuxing-north, 复兴社区 fuxing-south"
    )
    [reply] = await bot.replies(bot.api.send_command(RESIDENT, "/me"))
    assert reply.text.startswith("您不是联动小组成员。")


async def test_a_resident_is_refused_coordinator_commands_and_buttons(
    bot: BotHarness, db_url: str
) -> None:
    refusal = "抱歉，您没有这项操作的权限。如果您认为应该有，请联系街道城管科。"
    for command in ("/members", "/invite"):
        [reply] = await bot.replies(bot.api.send_command(RESIDENT, command))
        assert reply.text == refusal
    liu = await member_named(db_url, "刘洋")
    [menu] = await bot.replies(bot.api.send_command(RESIDENT, "/language"))
    for data in (
        f"mb:D:{liu.id}",
        f"mb:d:{liu.id}",
        f"ma:t:{liu.id}:c1",
        f"mb:m:{liu.id}",
        "mb:s:1:0",
        "iv:1:l:3:w",
        "iv:1",
    ):
        exchange = await bot.exchange(bot.api.press(RESIDENT, menu, data))
        assert [r.method for r in exchange] == ["answerCallbackQuery"], (data, exchange)
        [answer] = exchange
        assert answer.method == "answerCallbackQuery"
        assert answer.params["show_alert"] is True
    liu_after = await member_named(db_url, "刘洋")
    assert liu_after.active
    database = Database(db_url)
    async with database.session() as session:
        assert liu.id is not None
        assert len(await member_areas(session, liu.id)) == 2
    await database.dispose()


async def test_help_shows_manager_commands_only_to_managers(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(CHEN, "/help"))
    assert "/members" in reply.text and "/invite" in reply.text
    [reply] = await bot.replies(bot.api.send_command(RESIDENT, "/help"))
    assert "/members" not in reply.text


# -- /members -------------------------------------------------------------------------------


async def test_a_street_coordinator_pages_through_all_members(bot: BotHarness) -> None:
    [page1] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    assert page1.text.startswith("南星街道成员（共 18 人），第 1/3 页：")
    assert "\n3. 陈建国 · 协调员 · 南星街道城管科 · 整个街道\n" in page1.text
    [page2] = await bot.replies(bot.api.press_button(CHEN, page1, "▶"))
    assert "第 2/3 页" in page2.text
    assert "马超 · 联络员 · 辖区单位联络组 · 整个街道 （尚未加入）" in page2.text
    assert [b["text"] for b in page2.buttons()][-2:] == ["◀", "▶"]


async def test_a_community_coordinator_sees_and_manages_only_her_communities(
    bot: BotHarness, db_url: str
) -> None:
    [page] = await bot.replies(bot.api.send_command(ZHOU, "/members"))
    names = [b["text"].split(". ", 1)[1] for b in page.buttons() if ". " in b["text"]]
    assert set(names) == {"周丽", "刘洋", "冯军", "林老伯"}
    sun = await member_named(db_url, "孙磊")  # enforcement liaison of haiyue and shuicheng
    [answer] = await bot.exchange(bot.api.press(ZHOU, page, f"mb:D:{sun.id}"))
    assert answer.params["text"].startswith("抱歉")
    assert (await member_named(db_url, "孙磊")).active
    # She may not widen 冯军's areas beyond fuxing either.
    feng = await member_named(db_url, "冯军")
    [detail] = await bot.replies(bot.api.press(ZHOU, page, f"mb:m:{feng.id}"))
    [editor] = await bot.replies(bot.api.press_button(ZHOU, detail, "调整区域"))
    [answer] = await bot.exchange(bot.api.press_button(ZHOU, editor, "海月社区"))
    assert answer.method == "answerCallbackQuery" and answer.params["text"].startswith("抱歉")


async def test_deactivate_then_reactivate_a_member(bot: BotHarness, db_url: str) -> None:
    liu = await member_named(db_url, "刘洋")
    [page] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    [detail] = await bot.replies(bot.api.press(CHEN, page, f"mb:m:{liu.id}"))
    assert detail.text.startswith("刘洋 · 联络员 · 南星执法中队")
    [confirm] = await bot.replies(bot.api.press_button(CHEN, detail, "停用"))
    assert confirm.text.startswith("确定停用刘洋吗？")
    [done] = await bot.replies(bot.api.press_button(CHEN, confirm, "确定停用"))
    assert done.text.endswith("（已停用）")
    assert not (await member_named(db_url, "刘洋")).active
    [again] = await bot.replies(bot.api.press_button(CHEN, done, "重新启用"))
    assert not again.text.endswith("（已停用）")
    assert (await member_named(db_url, "刘洋")).active


async def test_a_coordinator_changes_areas_with_buttons(bot: BotHarness, db_url: str) -> None:
    feng = await member_named(db_url, "冯军")
    [page] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    [detail] = await bot.replies(bot.api.press(CHEN, page, f"mb:m:{feng.id}"))
    [editor] = await bot.replies(bot.api.press_button(CHEN, detail, "调整区域"))
    assert "✅ 复兴社区" in [b["text"] for b in editor.buttons()]
    [editor] = await bot.replies(bot.api.press_button(CHEN, editor, "海月社区"))
    assert "✅ 海月社区" in [b["text"] for b in editor.buttons()]
    [detail] = await bot.replies(bot.api.press_button(CHEN, editor, "完成"))
    assert "复兴社区、海月社区" in detail.text


async def test_nobody_deactivates_themselves(bot: BotHarness, db_url: str) -> None:
    chen = await member_named(db_url, "陈建国")
    [page] = await bot.replies(bot.api.send_command(CHEN, "/members"))
    [answer] = await bot.exchange(bot.api.press(CHEN, page, f"mb:D:{chen.id}"))
    assert answer.params["show_alert"] is True
    assert (await member_named(db_url, "陈建国")).active


# -- /invite --------------------------------------------------------------------------------


async def test_invite_wizard_then_join(bot: BotHarness, db_url: str) -> None:
    [roles] = await bot.replies(bot.api.send_command(CHEN, "/invite"))
    assert roles.text == "邀请谁？请选择角色："
    [parties] = await bot.replies(bot.api.press_button(CHEN, roles, "联络员"))
    [areas] = await bot.replies(bot.api.press_button(CHEN, parties, "南星执法中队"))
    assert [b["text"] for b in areas.buttons()][:2] == ["整个街道", "复兴社区"]
    [made] = await bot.replies(bot.api.press_button(CHEN, areas, "fuxing-north"))
    assert made.text.startswith("邀请：南星执法中队联络员，负责复兴社区 fuxing-north。")
    link = made.text.splitlines()[-1]
    assert link.startswith("https://t.me/LaneKeeperBot?start=")
    code = link.split("=", 1)[1]
    person = FakeUser(100300, "赵六")
    [offer] = await bot.replies(bot.api.send_command(person, "/start", code))
    [_welcome, ask_phone] = await bot.replies(bot.api.press_button(person, offer, "加入"))
    assert ask_phone.text.startswith("是否愿意分享手机号")
    assert ask_phone.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    [skipped] = await bot.replies(bot.api.send_text(person, "跳过"))
    assert skipped.params["reply_markup"] == {"remove_keyboard": True}
    zhao = await member_named(db_url, "赵六")
    assert zhao.role == Role.LIAISON and zhao.source == "invite" and zhao.active
    [me] = await bot.replies(bot.api.send_command(person, "/me"))
    assert me.text == "南星街道：赵六 · 联络员 · 南星执法中队 · 复兴社区 fuxing-north"


async def test_withdrawing_an_invitation_from_the_bot(bot: BotHarness) -> None:
    [roles] = await bot.replies(bot.api.send_command(CHEN, "/invite"))
    [parties] = await bot.replies(bot.api.press_button(CHEN, roles, "巡查员"))
    [areas] = await bot.replies(bot.api.press_button(CHEN, parties, "南星街道城管科"))
    [made] = await bot.replies(bot.api.press_button(CHEN, areas, "整个街道"))
    code = made.text.splitlines()[-1].split("=", 1)[1]
    [gone] = await bot.replies(bot.api.press_button(CHEN, made, "撤回"))
    assert gone.text == "邀请已撤回，链接已失效。"
    [reply] = await bot.replies(bot.api.send_command(FakeUser(100301, "X"), "/start", code))
    assert reply.text.startswith("这个邀请已被撤回")


async def test_a_unit_head_invites_only_liaisons_of_his_party(bot: BotHarness) -> None:
    [roles] = await bot.replies(bot.api.send_command(WANG, "/invite"))
    assert [b["text"] for b in roles.buttons()] == ["联络员"]
    [parties] = await bot.replies(bot.api.press_button(WANG, roles, "联络员"))
    assert [b["text"] for b in parties.buttons()] == ["南星执法中队"]
    # A forged step asking for a coordinator's invitation is refused.
    [answer] = await bot.exchange(bot.api.press(WANG, roles, "iv:1:c:1:w"))
    assert answer.method == "answerCallbackQuery" and answer.params["show_alert"] is True


async def test_a_community_coordinator_invites_within_her_community(bot: BotHarness) -> None:
    [roles] = await bot.replies(bot.api.send_command(ZHOU, "/invite"))
    [parties] = await bot.replies(bot.api.press_button(ZHOU, roles, "联络员"))
    [areas] = await bot.replies(bot.api.press_button(ZHOU, parties, "南星环卫所"))
    labels = [b["text"] for b in areas.buttons()]
    assert "整个街道" not in labels and "海月社区" not in labels
    assert "复兴社区" in labels


# -- groups ---------------------------------------------------------------------------------


async def test_linking_a_group(bot: BotHarness, db_url: str) -> None:
    [choice] = await bot.replies(bot.api.send_command(ZHOU, "/linkgroup", chat=GROUP))
    assert [b["text"] for b in choice.buttons()] == ["复兴社区"]
    [answer] = await bot.exchange(
        bot.api.press(RESIDENT, choice, choice.buttons()[0]["callback_data"])
    )
    assert answer.params["show_alert"] is True  # anyone in the group can press: checked
    [done] = await bot.replies(bot.api.press_button(ZHOU, choice, "复兴社区"))
    assert done.text.startswith("本群现已成为复兴社区的联动群")
    database = Database(db_url)
    async with database.session() as session:
        fuxing = (await session.exec(select(Community).where(Community.code == "fuxing"))).one()
        assert fuxing.group_chat_id == GROUP.id
    await database.dispose()
    [refused] = await bot.replies(bot.api.send_command(RESIDENT, "/unlinkgroup", chat=GROUP))
    assert refused.text.startswith("抱歉")
    [unlinked] = await bot.replies(bot.api.send_command(ZHOU, "/unlinkgroup", chat=GROUP))
    assert unlinked.text.startswith("已解除")


async def test_member_commands_in_a_group_point_to_a_private_chat(bot: BotHarness) -> None:
    [reply] = await bot.replies(bot.api.send_command(CHEN, "/members@LaneKeeperBot", chat=GROUP))
    assert reply.chat_id == GROUP.id and "私聊" in reply.text


async def test_the_bot_greets_a_group_it_is_added_to(bot: BotHarness) -> None:
    chat = {"id": GROUP.id, "type": "supergroup", "title": GROUP.title}
    bot.api.chats[GROUP.id] = chat
    bot_user = {**bot.api.bot}
    update = bot.api.push(
        {
            "my_chat_member": {
                "chat": chat,
                "from": CHEN.to_dict(),
                "date": 1,
                "old_chat_member": {"status": "left", "user": bot_user},
                "new_chat_member": {"status": "member", "user": bot_user},
            }
        }
    )
    [hello] = await bot.replies(update)
    assert hello.chat_id == GROUP.id and "/linkgroup" in hello.text


# -- residents ---------------------------------------------------------------------------


async def test_a_resident_picks_a_community(bot: BotHarness, db_url: str) -> None:
    [welcome] = await bot.replies(bot.api.send_command(RESIDENT, "/start"))
    assert [b["text"] for b in welcome.buttons()] == ["中文", "English", "🏘 我的社区"]
    [choices] = await bot.replies(bot.api.press_button(RESIDENT, welcome, "我的社区"))
    assert choices.text == "您住在哪个社区？"
    [done] = await bot.replies(bot.api.press_button(RESIDENT, choices, "海月社区"))
    assert done.text == "已记录：您住在海月社区。"
    database = Database(db_url)
    async with database.session() as session:
        user = await session.get(TelegramUser, RESIDENT.id)
        assert user is not None and user.community_id is not None
    await database.dispose()
    [welcome] = await bot.replies(bot.api.send_command(RESIDENT, "/start"))
    assert "🏘 我的社区" not in [b["text"] for b in welcome.buttons()]
