"""The notices the bot sends on its own, as plain functions of what was looked up: no
database, no bot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from locales.i18n import I18n
from models.cases import Assignment, AssignmentRole, Case, CaseState, Category
from models.departure import Departure, Moved
from models.org import Alley, Member, Role, VendingSpot
from models.users import TelegramUser
from views.case_text import reporter_label
from views.coordinator_notices import departure_summary
from views.dispatch_notices import (
    action_keyboard,
    assist_request,
    dispatch_card,
    reassigned_note,
    street_chief_copy,
)
from views.reporter_notices import progress_notice, verification_question

ZH = I18n("zh_CN", "Asia/Shanghai")
EN = I18n("en", "Asia/Shanghai")

RUBBISH = Category(
    id=1, code="rubbish", name_zh="暴露垃圾", name_en="Rubbish and dirty streets", lead_party="x"
)
VENDOR = Category(
    id=2, code="street_vendor", name_zh="占道经营", name_en="Street vending", lead_party="x"
)
FUXING = Alley(id=7, street_id=1, block_id=1, code="fx", name="复兴街")
ALICE = TelegramUser(telegram_id=900001, first_name="Alice")
LIN = Member(id=3, street_id=1, name="林老伯", role=Role.STREET_CHIEF, telegram_id=100020)
WANG = Member(id=4, street_id=1, name="王强", role=Role.UNIT_HEAD, telegram_id=100010)


def a_case(**fields: Any) -> Case:
    values: dict[str, Any] = {
        "id": 11,
        "number": 1,
        "street_id": 1,
        "alley_id": 7,
        "category_id": 1,
        "state": CaseState.DISPATCHED,
        "text": "There is a pile  of rubbish\non 复兴街 near number 12",
        "reporter_telegram_id": 900001,
        "due_at": datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
    }
    return Case(**(values | fields))


def labels(keyboard: InlineKeyboardMarkup | None) -> list[list[tuple[str, str]]]:
    assert keyboard is not None
    return [[(b.text, str(b.callback_data)) for b in row] for row in keyboard.inline_keyboard]


def test_dispatch_card_for_a_named_reporter_in_chinese() -> None:
    case = a_case()
    text, keyboard = dispatch_card(ZH, case, RUBBISH, FUXING, reporter_label(ZH, case, None, ALICE))
    assert text == (
        "新案件 #1：暴露垃圾\n"
        "地点：复兴街\n"
        "内容：There is a pile of rubbish on 复兴街 near number 12\n"
        "反映人：Alice\n"
        "请于 11月27日 10:00 前处理完毕。"
    )
    assert labels(keyboard) == [
        [("✋ 接单", "cs:a:11"), ("✅ 处置完成", "cs:d:11")],
        [("⏳ 延期", "cs:p:11"), ("↩️ 退回", "cs:b:11")],
    ]


def test_dispatch_card_for_an_anonymous_reporter_in_english() -> None:
    # The member who reported it is known to the database, never to the assignee.
    case = a_case(anonymous=True, reporter_member_id=3, state=CaseState.ACCEPTED)
    text, keyboard = dispatch_card(EN, case, RUBBISH, FUXING, reporter_label(EN, case, LIN, ALICE))
    assert text == (
        "New case #1: Rubbish and dirty streets\n"
        "Where: 复兴街\n"
        "Report: There is a pile of rubbish on 复兴街 near number 12\n"
        "Reported by: anonymous\n"
        "Please have it handled by Nov 27 10:00."
    )
    assert labels(keyboard) == [
        [("✅ Done", "cs:d:11")],
        [("⏳ Postpone", "cs:p:11"), ("↩️ Not ours", "cs:b:11")],
    ]


def test_dispatch_card_of_a_reassigned_vending_case_without_a_deadline() -> None:
    case = a_case(category_id=2, due_at=None, text="", reporter_member_id=3)
    spot = VendingSpot(street_id=1, code="s", name="复兴街便民疏导点", lat=0, lon=0)
    text, _keyboard = dispatch_card(
        EN,
        case,
        VENDOR,
        None,
        reporter_label(EN, case, LIN, None),
        spot=spot,
        note=reassigned_note(EN, WANG),
    )
    assert text.splitlines() == [
        "Reassigned to you: 王强 has left the linkage group.",
        "New case #1: Street vending",
        "Where: —",
        "Report: —",
        "Reported by: 林老伯 (street chief)",
        "Nearest designated vending spot (堵疏结合): 复兴街便民疏导点, —",
    ]


@pytest.mark.parametrize(
    ("member", "user", "expected"),
    [(LIN, ALICE, "林老伯 (街长)"), (None, ALICE, "Alice"), (None, None, "?")],
)
def test_reporter_label(member: Member | None, user: TelegramUser | None, expected: str) -> None:
    assert reporter_label(ZH, a_case(), member, user) == expected


def test_no_buttons_once_the_case_is_done() -> None:
    assert action_keyboard(EN, a_case(state=CaseState.DONE)) is None


def test_assist_request_carries_its_assignment() -> None:
    assist = Assignment(id=42, case_id=11, role=AssignmentRole.ASSIST)
    text, keyboard = assist_request(EN, a_case(), RUBBISH, FUXING, assist)
    assert text == (
        "Your unit is asked to assist with case #1 (Rubbish and dirty streets, 复兴街).\n"
        "There is a pile of rubbish on 复兴街 near number 12"
    )
    assert labels(keyboard) == [[("✅ My part is done", "cs:x:42")]]


def test_street_chief_copy_when_nobody_was_found() -> None:
    assert street_chief_copy(ZH, a_case(), RUBBISH, FUXING, "南星环卫所 冯军") == (
        "告知：您负责的复兴街有新案件 #1（暴露垃圾），已派给南星环卫所 冯军。"
    )
    assert street_chief_copy(ZH, a_case(), RUBBISH, FUXING, None) == (
        "告知：您负责的复兴街有新案件 #1（暴露垃圾），已派给街道分派。"
    )


def test_departure_summary_offers_to_assign_what_went_to_triage() -> None:
    departure = Departure(
        member=Member(street_id=1, name="刘洋", role=Role.LIAISON),
        moved=[Moved(a_case(), WANG), Moved(a_case(id=12, number=2), None)],
    )
    text, keyboard = departure_summary(ZH, departure, [(RUBBISH, FUXING), (None, None)])
    assert text == (
        "刘洋已停用。其负责的未结案件已转出：\n"
        "#1（暴露垃圾，复兴街）：转给单位负责人王强\n"
        "#2（—，—）：转入待分派"
    )
    assert labels(keyboard) == [[("分派 #2", "cs:t:12")]]


def test_departure_summary_without_triage_has_no_buttons() -> None:
    departure = Departure(member=LIN, moved=[Moved(a_case(), WANG)])
    assert departure_summary(EN, departure, [(RUBBISH, FUXING)])[1] is None


def test_progress_notices() -> None:
    case = a_case()
    assert progress_notice(EN, case, "accepted", "南星环卫所 冯军") == (
        "Your case #1 has been taken on by 南星环卫所 冯军."
    )
    assert progress_notice(ZH, case, "closed_by_default") == (
        "您的案件 #1 已结案：已处置完成，且在规定时间内没有收到异议。"
    )
    with pytest.raises(KeyError):
        progress_notice(EN, case, "lost")


def test_verification_question_with_and_without_a_note() -> None:
    case = a_case(state=CaseState.DONE)
    text, keyboard = verification_question(ZH, case, RUBBISH, FUXING, "已清运\n完毕")
    assert text == "案件 #1（暴露垃圾，复兴街）已报处置完成。\n说明：已清运 完毕\n问题解决了吗？"
    assert labels(keyboard) == [[("✅ 已解决", "cs:v:11:y"), ("❌ 没解决", "cs:v:11:n")]]
    text, _keyboard = verification_question(EN, case, RUBBISH, FUXING, None)
    assert text == "Case #1 (Rubbish and dirty streets, 复兴街) is reported handled.\nIs it fixed?"
