"""Roster limits: bounded names and texts, short quotes in error lines, one place per chat."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from models.db import Database
from models.org import Community
from models.roster_spec import RosterError, parse_roster
from tests.test_roster import bad, do_import, sample_data

LONG = "长" * 5000

LIMITS = [
    (
        lambda d: d["members"][3].update(name="王" * 65),
        "members[4] (" + "王" * 24 + "…): name: too long: at most 64 characters",
    ),
    (
        lambda d: d["alleys"][0].update(name="复" * 101),
        "alleys[1] (fuxing-jie): name: too long: at most 100 characters",
    ),
    (
        lambda d: d["alleys"][0].update(aliases=["复兴老街", "x" * 101]),
        "alleys[1] (fuxing-jie): aliases.1: too long: at most 100 characters",
    ),
    (
        lambda d: d["street"].update(name="南" * 101),
        "[street]: name: too long: at most 100 characters",
    ),
    (
        lambda d: d["meetings"][0].update(place="会" * 201),
        "meetings[1]: place: too long: at most 200 characters",
    ),
    (
        lambda d: d["members"][3].update(phone="1" * 33),
        "members[4] (王强): phone: too long: at most 32 characters",
    ),
    (
        lambda d: d["meetings"][0].update(participants=["周" * 65]),
        "meetings[1]: participants.0: too long: at most 64 characters",
    ),
    (
        lambda d: d["communities"][1].update(group_chat_id=-1001000000100),
        "communities[2] (haiyue): group_chat_id: chat -1001000000100 is already the group of "
        "street 'nanxing'; a group chat belongs to one street or community",
    ),
    (
        lambda d: d["communities"][2].update(group_chat_id=-1001000000101),
        "communities[3] (shuicheng): group_chat_id: chat -1001000000101 is already the "
        "group of community 'fuxing'",
    ),
]


@pytest.mark.parametrize(("change", "message"), LIMITS)
def test_limits_are_refused_in_one_short_line(change: Any, message: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(bad(change), "nanxing.roster.toml")
    assert str(caught.value).startswith(f"nanxing.roster.toml: {message}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["members"][4].update(name=LONG),
        lambda d: d["members"][4].update(name="刘洋", party="p" * 5000),
        lambda d: d["parties"][0].update(code=LONG),
        lambda d: d["street"].update(timezone=LONG),
        lambda d: d["members"][0].update(**{LONG: 1}),
        lambda d: d["meetings"][0].update(participants=["刘" * 60 + "不在"]),
        lambda d: d["meetings"][0].update(rrule="FREQ=WEEKLY;" + "X" * 5000),
    ],
)
def test_an_error_line_quotes_only_the_start_of_a_long_value(change: Any) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(bad(change), "nanxing.roster.toml")
    assert len(str(caught.value)) < 200, str(caught.value)


def wangjiang(chat: int) -> dict[str, Any]:
    def change(d: dict[str, Any]) -> None:
        d["street"].update(code="wangjiang", name="望江街道", group_chat_id=-1001000000200)
        d["communities"] = [{"code": "jinlun", "name": "金轮社区", "group_chat_id": chat}]
        d["blocks"] = []
        d["alleys"] = []
        d["members"] = []
        d["meetings"] = []
        d["vending_spots"] = []

    return bad(change)


async def test_a_chat_of_another_street_is_refused_naming_both(db: Database) -> None:
    await do_import(db, sample_data())
    with pytest.raises(RosterError) as caught:
        await do_import(db, wangjiang(-1001000000101))
    assert str(caught.value) == (
        "communities[1] (jinlun): group_chat_id: chat -1001000000101 is already the group of "
        "community 'fuxing' of street 'nanxing'; a group chat belongs to one street or community"
    )
    with pytest.raises(RosterError, match="is already the group of street 'nanxing'"):
        await do_import(db, wangjiang(-1001000000100))
    report = await do_import(db, wangjiang(-1001000000299))
    assert report.created["street"] == 1


async def test_a_chat_moves_between_communities_of_the_street(db: Database) -> None:
    await do_import(db, sample_data())

    def move(d: dict[str, Any]) -> None:
        d["communities"][0].pop("group_chat_id")
        d["communities"][1]["group_chat_id"] = -1001000000101

    await do_import(db, bad(move))
    async with db.session() as session:
        chats = {c.code: c.group_chat_id for c in await session.exec(select(Community))}
    assert chats["fuxing"] is None and chats["haiyue"] == -1001000000101

    def drop(d: dict[str, Any]) -> None:  # haiyue is kept, with its chat, when left out
        d["communities"] = [c for c in d["communities"] if c["code"] != "haiyue"]
        d["communities"][0]["group_chat_id"] = -1001000000101
        gone = {a["code"] for a in d["alleys"] if a.get("community") == "haiyue"}
        d["alleys"] = [a for a in d["alleys"] if a["code"] not in gone]
        d["members"] = [
            m
            for m in d["members"]
            if "haiyue" not in m.get("communities", []) and not gone & set(m.get("alleys", []))
        ]
        d["meetings"] = [m for m in d["meetings"] if m.get("community") != "haiyue"]

    with pytest.raises(RosterError, match="already the group of community 'haiyue'"):
        await do_import(db, bad(drop))
