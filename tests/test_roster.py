"""Roster import and export: the fixture as it is, idempotence, round trips, clear refusals."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

import models
from models.db import Database
from models.invites import accept_invite
from models.members import member_areas
from models.org import Member, Street
from models.roster import _Importer, dump_roster, export_roster, import_roster
from models.roster_spec import RosterError, load_roster, parse_roster

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bot" / "examples" / "nanxing.roster.toml"
SHARED = ROOT.parent / "shared" / "fixtures" / "nanxing.roster.toml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def sample_data() -> dict[str, Any]:
    with SAMPLE.open("rb") as fh:
        return tomllib.load(fh)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare database states."""
    state = {}
    async with db.engine.connect() as connection:
        for name, table in sorted(models.metadata.tables.items()):
            rows = await connection.execute(sa.select(table))
            state[name] = sorted(tuple(map(repr, row)) for row in rows)
    return state


async def do_import(db: Database, data: dict[str, Any], now: datetime = NOW):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return await import_roster(session, parse_roster(data, "test.toml"), now=now)


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this checkout")
def test_the_shipped_sample_is_the_shared_fixture() -> None:
    assert SAMPLE.read_bytes() == SHARED.read_bytes()


async def test_the_fixture_imports_as_it_is(db: Database) -> None:
    report = await do_import(db, sample_data())
    assert dict(report.created) == {
        "street": 1,
        "party": 10,
        "community": 3,
        "block": 4,
        "alley": 8,
        "vending_spot": 2,
        "meeting": 3,
        "member": 18,
    }
    [(member, invite)] = report.invites
    assert member.name == "马超" and len(invite.code) >= 22
    assert invite.invite.expires_at == NOW + timedelta(days=7)
    async with db.session() as session:
        liu = (await session.exec(select(Member).where(Member.name == "刘洋"))).one()
        assert liu.id is not None
        assert [a.kind for a in await member_areas(session, liu.id)] == ["block", "block"]


async def test_a_second_import_changes_nothing(db: Database) -> None:
    await do_import(db, sample_data())
    before = await snapshot(db)
    report = await do_import(db, sample_data(), now=NOW + timedelta(hours=1))
    assert not report.changed
    assert [m.name for m, _expires in report.pending] == ["马超"]
    assert await snapshot(db) == before


async def test_export_then_import_round_trips(db: Database, tmp_path: Path) -> None:
    await do_import(db, sample_data())
    async with db.session() as session:
        exported = dump_roster(await export_roster(session, "nanxing"))
    path = tmp_path / "exported.toml"
    path.write_text(exported, encoding="utf-8")
    roster = load_roster(path)
    async with db.session() as session:  # into the same database: nothing to change
        assert not (await import_roster(session, roster, now=NOW)).changed
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    from models import migrate

    migrate.upgrade(other.url)
    try:
        async with other.session() as session:
            await import_roster(session, roster, now=NOW)
        async with other.session() as session:
            assert dump_roster(await export_roster(session, "nanxing")) == exported
    finally:
        await other.dispose()


def bad(change: Any) -> dict[str, Any]:
    data = sample_data()
    change(data)
    return data


BAD_ROSTERS = [
    (
        lambda d: d["members"][4].update(party="enforcment"),
        "members[5] (刘洋): unknown party 'enforcment'",
    ),
    (
        lambda d: d["alleys"][0].pop("block"),
        "alleys[1] (fuxing-jie): give either block or community, exactly one",
    ),
    (
        lambda d: d["alleys"][4].update(block="fuxing-north"),
        "alleys[5] (haiyue-xiang): give either block or community, exactly one",
    ),
    (lambda d: d["alleys"][0].update(block="nowhere"), "alleys[1] (fuxing-jie): unknown block"),
    (
        lambda d: (
            d["alleys"][0].update(block=None, community="fuxing") or d["alleys"][0].pop("block")
        ),
        "community 'fuxing' is cut into blocks (fuxing-north, fuxing-south); name one",
    ),
    (
        lambda d: d["alleys"][1].update(code="fuxing-jie"),
        "alleys: code 'fuxing-jie' is used 2 times",
    ),
    (
        lambda d: d["blocks"][0].update(code="haiyue"),
        "blocks: code 'haiyue' is used 2 times (a community without blocks",
    ),
    (
        lambda d: d["alleys"][2]["path"].append([95.0, 120.0]),
        "alleys[3] (fuxing-nanjie): path.2.0: Input should be less than or equal to 90",
    ),
    (
        lambda d: d["vending_spots"][0].update(lon=200),
        "vending_spots[1] (fuxing-market): lon: Input should be less than or equal to 180",
    ),
    (
        lambda d: d["members"][15].update(alleys=["wangjiang-lu"]),
        "members[16] (林老伯): alley 'wangjiang-lu' is not in street 'nanxing'",
    ),
    (
        lambda d: d["members"][6].update(telegram_id=100010),
        "members[7] (郑红): telegram_id 100010 is already given to members[4] (王强)",
    ),
    (lambda d: d["members"][3].update(role="boss"), "members[4] (王强): role: Input should be"),
    (lambda d: d["members"][3].pop("party"), "members[4] (王强): a unit_head acts for a party"),
    (
        lambda d: d["communities"][0].update(group_chat_id=42),
        "communities[1] (fuxing): group_chat_id: a Telegram group's id is negative",
    ),
    (
        lambda d: d["street"].update(timezone="Mars/Base"),
        "[street]: timezone: unknown time zone 'Mars/Base'",
    ),
    (
        lambda d: d["meetings"][0].update(rrule="EVERY MONDAY"),
        "meetings[1] (community_weekly-fuxing): rrule: not an RFC 5545 rule",
    ),
    (
        lambda d: d["meetings"][0].pop("community"),
        "meetings[1] (community_weekly): a community meeting names its community",
    ),
    (
        lambda d: d["parties"][0].update(colour="red"),
        "parties[1] (street_office): colour: unknown key",
    ),
    (lambda d: d.pop("street"), "[street]: required key is missing"),
    (
        lambda d: d["members"][15].update(phone_public="yes"),
        "members[16] (林老伯): phone_public: Input should be a valid boolean",
    ),
    (
        lambda d: d["street"].update(supervision_phone="0" * 40),
        "[street]: supervision_phone: too long: at most 32 characters",
    ),
    (
        lambda d: d["parties"][1].update(code="bad code!"),
        "parties[2] (bad code!): code: codes are letters, digits",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_ROSTERS)
def test_bad_rosters_name_the_entry_and_the_problem(change: Any, message: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(bad(change), "nanxing.roster.toml")
    text = str(caught.value)
    assert text.startswith("nanxing.roster.toml: ")
    assert message in text
    assert "\n" not in text


async def test_a_refused_roster_leaves_the_database_unchanged(db: Database) -> None:
    await do_import(db, sample_data())
    before = await snapshot(db)
    with pytest.raises(RosterError, match="unknown party 'enforcment'"):
        await do_import(db, bad(lambda d: d["members"][4].update(party="enforcment")))
    assert await snapshot(db) == before


async def test_a_failure_half_way_writes_nothing(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def explode(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(_Importer, "members", explode)
    before = await snapshot(db)
    with pytest.raises(RuntimeError):
        await do_import(db, sample_data())
    assert await snapshot(db) == before


async def test_dropped_members_are_deactivated_and_come_back(db: Database) -> None:
    await do_import(db, sample_data())
    report = await do_import(db, bad(lambda d: d["members"].pop(4)))
    assert report.deactivated == ["刘洋"]
    async with db.session() as session:
        liu = (await session.exec(select(Member).where(Member.name == "刘洋"))).one()
        assert not liu.active and liu.deactivated_at == NOW
    report = await do_import(db, sample_data())
    assert report.updated["member"] == 1
    async with db.session() as session:
        liu = (await session.exec(select(Member).where(Member.name == "刘洋"))).one()
        assert liu.active and liu.deactivated_at is None


async def test_joining_survives_a_reimport_and_bot_invited_members_are_kept(db: Database) -> None:
    report = await do_import(db, sample_data())
    [(_ma, new)] = report.invites
    async with db.session() as session:
        await accept_invite(session, new.code, telegram_id=100099, name="马超", now=NOW)
    report = await do_import(db, sample_data())
    assert not report.changed and report.pending == []
    async with db.session() as session:
        ma = (await session.exec(select(Member).where(Member.name == "马超"))).one()
        assert ma.telegram_id == 100099 and ma.active


async def test_several_streets_side_by_side(db: Database) -> None:
    await do_import(db, sample_data())

    def wangjiang(d: dict[str, Any]) -> None:
        d["street"].update(code="wangjiang", name="望江街道", group_chat_id=-1001000000200)
        d["communities"] = [{"code": "fuxing", "name": "望江复兴社区"}]
        d["blocks"] = []
        d["alleys"] = [
            {
                "code": "fuxing-jie",
                "name": "望江复兴街",
                "community": "fuxing",
                "path": [[30.21, 120.19], [30.212, 120.192]],
            }
        ]
        d["members"] = [
            {
                "name": "陈建国",
                "telegram_id": 100001,
                "role": "coordinator",
                "party": "street_office",
            }
        ]
        d["meetings"] = []
        d["vending_spots"] = []

    report = await do_import(db, bad(wangjiang))
    assert report.created["street"] == 1 and not report.deactivated
    async with db.session() as session:
        streets = (await session.exec(select(Street).order_by(col(Street.id)))).all()
        assert [s.code for s in streets] == ["nanxing", "wangjiang"]
        chen = (await session.exec(select(Member).where(Member.telegram_id == 100001))).all()
        assert len(chen) == 2


async def test_english_names_of_alleys_parties_and_communities(db: Database) -> None:
    from locales.i18n import I18n
    from models.org import Alley, Community, Party
    from views.case_text import alley_name
    from views.labels import community_name, party_name

    data = sample_data()
    data["alleys"][0]["name_en"] = "Fuxing Street"
    data["parties"][0]["name_en"] = "Sanitation Station"
    data["communities"][0]["name_en"] = "Fuxing Community"
    report = await do_import(db, data)
    assert report.changed
    async with db.session() as session:
        alley = (
            await session.exec(select(Alley).where(Alley.code == data["alleys"][0]["code"]))
        ).one()
        party = (
            await session.exec(select(Party).where(Party.code == data["parties"][0]["code"]))
        ).one()
        community = (
            await session.exec(
                select(Community).where(Community.code == data["communities"][0]["code"])
            )
        ).one()
        exported = await export_roster(session, "nanxing")
    en, zh = I18n("en"), I18n("zh_CN")
    assert alley_name(alley, en) == "Fuxing Street" and alley_name(alley, zh) == alley.name
    assert alley_name(alley) == alley.name  # no reader named: the roster's name
    assert party_name(en, party) == "Sanitation Station" and party_name(zh, party) == party.name
    assert community_name(en, community) == "Fuxing Community"
    assert exported["alleys"][0]["name_en"] == "Fuxing Street"
    assert "name_en" not in exported["alleys"][1]  # optional: left out when not given
    async with db.session() as session:  # the exported file imports to the same state
        assert not (await import_roster(session, parse_roster(exported), now=NOW)).changed


async def test_signboard_keys_import_export_and_round_trip(db: Database) -> None:
    from models.org import Party

    data = sample_data()
    data["street"].update(supervision_phone="0571-8700 0000", publish_fix_photos=True)
    data["parties"][3]["phone"] = "0571-8700 0004"  # sanitation
    lin = data["members"][15]
    assert lin["name"] == "林老伯"
    lin.update(phone="138 0000 0080", phone_public=True)
    await do_import(db, data)
    async with db.session() as session:
        street = (await session.exec(select(Street).where(Street.code == "nanxing"))).one()
        assert street.supervision_phone == "0571-8700 0000" and street.publish_fix_photos
        sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
        assert sanitation.phone == "0571-8700 0004"
        member = (await session.exec(select(Member).where(Member.name == "林老伯"))).one()
        assert member.phone == "138 0000 0080" and member.phone_public
        exported = await export_roster(session, "nanxing")
    assert exported["street"]["supervision_phone"] == "0571-8700 0000"
    assert exported["street"]["publish_fix_photos"] is True
    assert exported["parties"][3]["phone"] == "0571-8700 0004"
    assert "phone" not in exported["parties"][0]  # only when set
    lin_out = next(m for m in exported["members"] if m["name"] == "林老伯")
    assert lin_out["phone_public"] is True and lin_out["phone"] == "138 0000 0080"
    ma = next(m for m in exported["members"] if m["name"] == "马超")
    assert "phone_public" not in ma  # a phone, not public: the key is left out
    text = dump_roster(exported)
    assert "publish_fix_photos = true" in text and "phone_public = true" in text
    async with db.session() as session:  # the exported file imports to the same state
        assert not (await import_roster(session, parse_roster(exported), now=NOW)).changed

    # The sample as it was: the keys are gone again, a member's phone goes private.
    report = await do_import(db, sample_data())
    assert report.updated["street"] == 1 and report.updated["party"] == 1
    async with db.session() as session:
        street = (await session.exec(select(Street).where(Street.code == "nanxing"))).one()
        assert street.supervision_phone is None and not street.publish_fix_photos
        member = (await session.exec(select(Member).where(Member.name == "林老伯"))).one()
        assert not member.phone_public and member.phone == "138 0000 0080"  # kept, private
        exported = await export_roster(session, "nanxing")
    assert "supervision_phone" not in exported["street"]
    assert "publish_fix_photos" not in exported["street"]
    assert not any("phone" in p for p in exported["parties"])
    assert not any("phone_public" in m for m in exported["members"])
