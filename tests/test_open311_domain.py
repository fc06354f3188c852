"""Open311 in the domain, without HTTP: keys, the checks before a case is filed, the
standard's words for a case's life, and the XML the standard asks for."""

from __future__ import annotations

from datetime import timedelta
from xml.etree.ElementTree import fromstring

import pytest
from sqlmodel import func, select

from models.cases import Case, CaseAction, CaseEvent, CaseState
from models.classify import Classifier, load_categories
from models.db import Database
from models.intake import Created, Duplicate, Intake
from models.open311 import (
    ApiKey,
    ApiKeyError,
    ServiceRequest,
    create_key,
    find_key,
    list_keys,
    revoke_key,
    status_of,
    update_state,
)
from models.open311_filing import Refusal, Submission, is_private_host, submit
from models.places import load_places
from tests.harness import T0
from views import open311 as texts
from web.language import locale_of

pytestmark = pytest.mark.usefixtures("roster")


async def counts(db: Database) -> tuple[int, int, int]:
    async with db.session() as session:
        cases = (await session.exec(select(func.count()).select_from(Case))).one()
        events = (await session.exec(select(func.count()).select_from(CaseEvent))).one()
        requests = (await session.exec(select(func.count()).select_from(ServiceRequest))).one()
    return int(cases), int(events), int(requests)


async def intake_for(db: Database) -> Intake:
    async with db.session() as session:
        places = await load_places(session)
    return Intake(Classifier(load_categories()), places)


async def test_keys_are_shown_once_kept_hashed_and_revocable(db: Database) -> None:
    async with db.session() as session:
        key, secret = await create_key(session, "hotline-12345", ["nanxing"], False, T0)
        assert secret.startswith("lk_") and len(secret) > 40
        assert secret not in (key.digest, key.hint) and key.hint == secret[:9]
        assert (await find_key(session, secret)) is not None
        assert await find_key(session, secret + "x") is None
        assert await find_key(session, "") is None
        assert await find_key(session, "lk_" + "a" * 500) is None
        with pytest.raises(ApiKeyError, match="exists already"):
            await create_key(session, "hotline-12345", [], False, T0)
        with pytest.raises(ApiKeyError, match="letters, digits"):
            await create_key(session, "热线 12345", [], False, T0)
        await revoke_key(session, "hotline-12345", T0)
        assert await find_key(session, secret) is None
        [listed] = await list_keys(session)
        assert listed.revoked_at is not None
        assert await revoke_key(session, "nobody", T0) is None


async def make_key(db: Database, **kwargs: object) -> ApiKey:
    async with db.session() as session:
        key, _secret = await create_key(
            session,
            str(kwargs.get("name", "hotline")),
            list(kwargs.get("streets", [])),  # type: ignore[call-overload]
            bool(kwargs.get("read_only", False)),
            T0,
        )
        return key


REFUSED = [
    (Submission(description="x" * 4001, address_id="fuxing-jie"), 400, "at most 4000"),
    (Submission(description="<b>复兴街</b>垃圾", address_id="fuxing-jie"), 400, "not HTML"),
    (Submission(description="垃圾 &nbsp;", address_id="fuxing-jie"), 400, "not HTML"),
    (Submission(service_code="unicorns", address_id="fuxing-jie"), 400, "unknown service"),
    (Submission(address_id="fuxing-jie"), 400, "service_code: required"),
    (Submission(description="垃圾", lat=31.5, long=121.0), 400, "not within 150 m"),
    (Submission(description="垃圾", lat=30.2271), 400, "both are needed"),
    (Submission(description="垃圾没人清"), 400, "where the problem is"),
    (Submission(description="垃圾", address_string="火星路"), 400, "names no alley"),
    (Submission(description="垃圾", address_id="nowhere"), 400, "no alley"),
    (
        Submission(description="垃圾", address_id="fuxing-jie", jurisdiction_id="x"),
        404,
        "no street",
    ),
    (
        Submission(description="垃圾", address_id="fuxing-jie", media_url="ftp://x/y.jpg"),
        400,
        "http",
    ),
    (
        Submission(description="垃圾", address_id="fuxing-jie", media_url="javascript:alert(1)"),
        400,
        "http",
    ),
    (Submission(description="垃圾", address_id="fuxing-jie", phone="call me"), 400, "phone"),
    (Submission(description="垃圾", address_id="fuxing-jie", email="a@b"), 400, "e-mail"),
    (Submission(description="垃圾", address_id="fuxing-jie", first_name="张" * 41), 400, "40"),
    (
        Submission(description="垃圾", address_id="fuxing-jie", callback_url="http://10.0.0.5/h"),
        400,
        "private",
    ),
    (
        Submission(description="垃圾", address_id="fuxing-jie", callback_url="http://localhost/"),
        400,
        "private",
    ),
    (
        Submission(
            description="垃圾", address_id="fuxing-jie", callback_url="http://0x7f000001:9/h"
        ),
        400,
        "allow_private_callbacks = true",
    ),
]


@pytest.mark.parametrize(("submission", "code", "words"), REFUSED)
async def test_refused_requests_leave_nothing(
    db: Database, submission: Submission, code: int, words: str
) -> None:
    key = await make_key(db)
    intake = await intake_for(db)
    before = await counts(db)
    async with db.session() as session:
        with pytest.raises(Refusal) as refused:
            await submit(session, intake, key, submission, T0)
    assert (refused.value.code, words in refused.value.description) == (code, True), refused.value
    assert await counts(db) == before


async def test_keys_limited_to_streets_and_reading(db: Database) -> None:
    intake = await intake_for(db)
    reader = await make_key(db, name="portal", read_only=True)
    elsewhere = await make_key(db, name="elsewhere", streets=["xihu"])
    sub = Submission(description="垃圾没人清", address_id="fuxing-jie")
    async with db.session() as session:
        with pytest.raises(Refusal, match="may only read") as refused:
            await submit(session, intake, reader, sub, T0)
        assert refused.value.code == 403
        with pytest.raises(Refusal) as refused:
            await submit(session, intake, elsewhere, sub, T0)
        assert refused.value.code == 400  # no alley it may file into
        with pytest.raises(Refusal) as refused:
            await submit(
                session,
                intake,
                elsewhere,
                Submission(**{**sub.__dict__, "jurisdiction_id": "nanxing"}),
                T0,
            )
        assert refused.value.code == 403


async def test_filed_as_a_chat_report_is_and_a_repeat_joins(db: Database) -> None:
    key = await make_key(db, name="wechat-mini")
    intake = await intake_for(db)
    async with db.session() as session:
        first = await submit(
            session,
            intake,
            key,
            Submission(
                description="门口垃圾好几天没人清理了",
                address_string="复兴街12号",
                first_name="张",
                last_name="阿姨",
                phone="138 0013 8000",
                email="zhang@example.org",
            ),
            T0,
        )
        await session.commit()
        assert isinstance(first.outcome, Created)
        case = first.case
        assert (case.number, case.channel, case.caller_name, case.caller_phone) == (
            1,
            "wechat-mini",
            "张 阿姨",
            "138 0013 8000",
        )
        assert case.reporter_telegram_id is None and case.state == CaseState.DISPATCHED
        assert first.request.email == "zhang@example.org"
        # The client knows what it filed: only later changes are pushed.
        assert first.request.pushed_event_id > 0
        again = await submit(
            session,
            intake,
            key,
            Submission(service_code="garbage", lat=30.2280, long=120.1768, anonymous=True),
            T0 + timedelta(hours=1),
        )
        await session.commit()
        assert isinstance(again.outcome, Duplicate)
        assert again.case.id == case.id and again.request.case_id == case.id
        assert again.outcome.case.caller_name is None and again.outcome.case.anonymous


async def test_what_the_reader_is_unsure_of_waits_for_triage(db: Database) -> None:
    key = await make_key(db)
    intake = await intake_for(db)
    async with db.session() as session:
        done = await submit(
            session, intake, key, Submission(description="有点问题", address_id="haiyue-xiang"), T0
        )
        await session.commit()
        assert done.waits_for_triage and done.case.state == CaseState.TRIAGE
        [create] = [
            e
            for e in await session.exec(select(CaseEvent).where(CaseEvent.case_id == done.case.id))
            if e.action == CaseAction.CREATE
        ]
        assert create.data.get("unsure") is True


def test_the_standards_words() -> None:
    assert status_of(Case(state=CaseState.DONE)) == "open"
    assert status_of(Case(state=CaseState.NOT_ACCEPTED)) == "closed"
    void = CaseEvent(case_id=1, action=CaseAction.VOID, data={"duplicate_of": 3})
    assert update_state(void) == "DUPLICATE"
    assert update_state(CaseEvent(case_id=1, action=CaseAction.VOID)) == "NO_FURTHER_ACTION"
    assert update_state(CaseEvent(case_id=1, action=CaseAction.FINISH)) == "FIXED"
    assert update_state(CaseEvent(case_id=1, action=CaseAction.REMIND)) is None


def test_xml_as_the_standard_shows_it() -> None:
    body = texts.xml(
        "service_requests",
        [{"service_request_id": "7", "notes": [{"status": "OPEN"}], "lat": 30.2, "x": None}],
    )
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = fromstring(body)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request" and request.findtext("service_request_id") == "7"
    assert request.find("notes/note/status").text == "OPEN"  # type: ignore[union-attr]
    assert request.findtext("x") == "" and request.findtext("lat") == "30.2"
    errors = fromstring(texts.xml("errors", [texts.error(403, "api_key: <bad> & wrong")]))
    assert errors.findtext("error/code") == "403"
    assert errors.findtext("error/description") == "api_key: <bad> & wrong"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "zh_CN"),
        ("en-GB,en;q=0.9", "en"),
        ("zh-Hans-CN, en;q=0.5", "zh_CN"),
        ("fr-FR, en;q=0.8, zh;q=0.9", "zh_CN"),
        ("fr, en;q=0.1", "en"),
        ("en;q=0, fr", "zh_CN"),
        ("garbage;;;,,q=x", "zh_CN"),
    ],
)
def test_accept_language(header: str | None, locale: str) -> None:
    assert locale_of(header) == locale


def test_private_hosts() -> None:
    assert is_private_host("127.0.0.1") and is_private_host("[::1]")
    assert is_private_host("192.168.1.10") and is_private_host("169.254.169.254")
    assert is_private_host("printer.local") and is_private_host("localhost")
    assert is_private_host("0x7f000001") and is_private_host("2130706433")
    assert is_private_host("127.1")
    assert not is_private_host("8.8.8.8") and not is_private_host("hooks.example.org")
