"""Open311 GeoReport v2 over real HTTP: an Open311 client (plain httpx) files a case that
reaches the liaison on the fake Bot API, follows it to closed by GET and by callbacks, reads
it in JSON and XML; every error the standard names; nothing personal is ever served."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from sqlmodel import func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web_server import WebServer
from fakegram import FakeBotApi, FakeUser, Recorded
from models.cases import Case
from models.clock import ManualClock
from models.db import Database
from models.open311 import ServiceRequest, create_key
from tests.harness import T0, BotHarness, bot_running

CHEN = FakeUser(100001, "陈建国")  # street coordinator
FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
LIN = FakeUser(100080, "林老伯")  # street chief of 复兴街
RESIDENT = FakeUser(900001, "小王")


class Receiver:
    """A callback endpoint on loopback: records what is pushed; may fail the first tries."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[list[dict[str, Any]]] = []
        self.failures = failures
        self.tries = 0
        self._arrived = asyncio.Event()
        self.server = WebServer(
            {"hook": [Route("/hook", self.hook, methods=["POST"])]}, "127.0.0.1", 0
        )

    async def hook(self, request: Request) -> Response:
        self.tries += 1
        signal, self._arrived = self._arrived, asyncio.Event()
        signal.set()
        if self.tries <= self.failures:
            return Response("down for maintenance", 503)
        self.bodies.append(json.loads(await request.body()))
        return Response("ok")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/hook"

    async def until(self, test: Callable[[], bool], timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while not test():
                await self._arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.server.start()
    yield found
    await found.server.stop()


async def new_key(db_url: str, name: str = "wechat-mini", **kwargs: Any) -> str:
    database = Database(db_url)
    try:
        async with database.session() as session:
            _key, secret = await create_key(
                session, name, kwargs.get("streets", []), kwargs.get("read_only", False), T0
            )
            return secret
    finally:
        await database.dispose()


@pytest.fixture
async def key(db_url: str, roster: None) -> str:
    return await new_key(db_url)


@pytest.fixture
def rates() -> dict[str, str]:
    return {}


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock, rates: dict[str, str]
) -> AsyncIterator[BotHarness]:
    for user in (CHEN, FENG, LIN, RESIDENT):
        api.open_chat(user)
    async with bot_running(
        db_url,
        api,
        clock=clock,
        web={"enabled": True, "port": 0},
        open311={"allow_private_callbacks": True, **rates},
    ) as harness:
        yield harness


def base(bot: BotHarness) -> str:
    assert bot.app.web_server is not None
    return f"http://127.0.0.1:{bot.app.web_server.port}/open311/v2"


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [
        r
        for r in records
        if r.chat_id == chat_id and r.method in ("sendMessage", "editMessageText")
    ]


async def case_count(db_url: str) -> tuple[int, int]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            cases = (await session.exec(select(func.count()).select_from(Case))).one()
            requests = (await session.exec(select(func.count()).select_from(ServiceRequest))).one()
            return int(cases), int(requests)
    finally:
        await database.dispose()


def last_states(body: list[dict[str, Any]]) -> list[str]:
    return [note["status"] for note in body[0]["notes"]]


async def test_a_case_filed_followed_to_closed_and_read_in_json_and_xml(
    bot: BotHarness, key: str, receiver: Receiver, db_url: str
) -> None:
    api = bot.api
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        filed = await client.post(
            "/requests.json",
            data={
                "api_key": key,
                "description": "门口的垃圾好几天没人清理了",
                "address_string": "复兴街12号",
                "first_name": "张",
                "last_name": "阿姨",
                "phone": "138 0013 8000",
                "email": "zhang@example.org",
                "account_id": "u-42",
                "callback_url": receiver.url,
            },
        )
        assert filed.status_code == 200, filed.text
        assert filed.headers["content-type"].startswith("application/json")
        [answer] = filed.json()
        assert answer["service_request_id"] == "1" and answer["account_id"] == "u-42"
        assert answer["service_notice"].startswith(
            "已受理，案件编号 #1，应于 2026-11-27T10:00:00+08:00"
        )

        # The same intake, routing and notices as a chat report.
        await bot.settle()
        [dispatch] = to(api.sent(), FENG.id)
        assert dispatch.text.startswith("新案件 #1：暴露垃圾")
        assert "张 阿姨 (wechat-mini)" in dispatch.text and "138" not in dispatch.text
        assert "地点：复兴街（复兴街12号）" in dispatch.text  # the address as given, kept
        assert to(api.sent(), LIN.id)  # the street chief's copy

        read = await client.get("/requests/1.json", params={"api_key": key})
        [request] = read.json()
        assert request["status"] == "open" and request["service_code"] == "garbage"
        assert request["agency_responsible"] == "南星环卫所"
        assert request["address"] == "复兴街12号" and request["address_id"] == "fuxing-jie"
        assert request["requested_datetime"] == "2026-11-26T10:00:00+08:00"
        assert request["expected_datetime"] == "2026-11-27T10:00:00+08:00"
        assert request["channel"] == "wechat-mini"
        assert [n["status"] for n in request["notes"]] == ["OPEN", "ACTION_SCHEDULED"]
        for secret in ("张", "138", "zhang@", "u-42", str(FENG.id), "冯军"):
            assert secret not in read.text

        # The liaison accepts: the callback hears of it.
        await bot.exchange(api.press_button(FENG, dispatch, "接单"))
        await receiver.until(lambda: len(receiver.bodies) >= 1)
        assert last_states(receiver.bodies[0])[-1] == "IN_PROGRESS"
        assert receiver.bodies[0][0]["token"]
        await bot.exchange(api.press_button(FENG, dispatch, "处置完成"))
        exchange = await bot.exchange(api.send_text(FENG, "已清运"))
        [verify] = to(exchange, LIN.id)
        await bot.exchange(api.press_button(LIN, verify, "已解决"))
        await receiver.until(lambda: last_states(receiver.bodies[-1])[-1] == "CLOSED")
        assert "FIXED" in [s for body in receiver.bodies for s in last_states(body)]

        xml = await client.get(
            "/requests/1.xml", params={"api_key": key}, headers={"Accept-Language": "en"}
        )
        assert xml.headers["content-type"].startswith("text/xml")
        root = fromstring(xml.content)
        assert root.tag == "service_requests"
        assert root.findtext("request/status") == "closed"
        assert root.findtext("request/service_name") == "Rubbish and dirty streets"
        assert root.findtext("request/status_notes") == "Verified as fixed and closed."
        assert [n.findtext("status") for n in root.iterfind("request/notes/note")] == [
            "OPEN",
            "ACTION_SCHEDULED",
            "IN_PROGRESS",
            "FIXED",
            "CLOSED",
        ]
        closed = await client.get("/requests.json", params={"api_key": key, "status": "closed"})
        assert [r["service_request_id"] for r in closed.json()] == ["1"]
        still_open = await client.get("/requests.json", params={"api_key": key, "status": "open"})
        assert still_open.json() == []


async def test_a_repeat_joins_the_open_case_and_triage_answers_a_token(
    bot: BotHarness, key: str, db_url: str
) -> None:
    api = bot.api
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        first = await client.post(
            "/requests.json",
            data={"api_key": key, "service_code": "garbage", "address_id": "fuxing-jie"},
        )
        again = await client.post(
            "/requests.xml",
            data={"api_key": key, "service_code": "garbage", "lat": "30.2280", "long": "120.1768"},
        )
        assert first.json()[0]["service_request_id"] == "1"
        assert fromstring(again.content).findtext("request/service_request_id") == "1"
        assert "已并入" in (fromstring(again.content).findtext("request/service_notice") or "")

        unsure = await client.post(
            "/requests.json",
            data={"api_key": key, "description": "有点问题", "address_id": "haiyue-xiang"},
        )
        [waiting] = unsure.json()
        assert "service_request_id" not in waiting and waiting["token"]
        token = waiting["token"]
        [pending] = (await client.get(f"/tokens/{token}.json", params={"api_key": key})).json()
        assert pending == {"service_request_id": "", "token": token}
        await bot.settle()
        [triage] = to(api.sent(), CHEN.id)
        [parties] = to(await bot.exchange(api.press_button(CHEN, triage, "分派")), CHEN.id)
        [people] = to(await bot.exchange(api.press_button(CHEN, parties, "南星环卫所")), CHEN.id)
        await bot.exchange(api.press_button(CHEN, people, people.buttons()[0]["text"]))
        [given] = (await client.get(f"/tokens/{token}.json", params={"api_key": key})).json()
        assert given == {"service_request_id": "2", "token": token}
    assert await case_count(db_url) == (3, 3)  # the repeat is a void case, linked


async def test_every_error_the_standard_names(bot: BotHarness, key: str, db_url: str) -> None:
    reader = await new_key(db_url, "open-data", read_only=True)
    elsewhere = await new_key(db_url, "xihu-only", streets=["xihu"])
    good = {"api_key": key, "service_code": "garbage", "address_id": "fuxing-jie"}
    async with httpx.AsyncClient(base_url=base(bot)) as client:

        async def post(fields: dict[str, str], **kwargs: Any) -> tuple[int, str]:
            answer = await client.post("/requests.json", data=fields, **kwargs)
            [error] = answer.json()
            assert set(error) == {"code", "description"}
            assert error["code"] == answer.status_code
            return answer.status_code, error["description"]

        async def get(path: str, **params: str) -> tuple[int, str]:
            answer = await client.get(path, params=params)
            [error] = answer.json()
            return answer.status_code, error["description"]

        # 403: no key, a wrong key, a read-only key filing, a key of another street.
        assert (await get("/requests.json"))[0] == 403
        assert (await get("/requests.json", api_key="lk_guess"))[0] == 403
        assert await post({**good, "api_key": reader}) == (403, "api_key: this key may only read")
        assert (await get("/requests.json", api_key=elsewhere, jurisdiction_id="nanxing"))[0] == 403
        # 404: an unknown request, jurisdiction, token, service, format.
        assert (await get("/requests/999.json", api_key=key))[0] == 404
        assert (await get("/requests/abc.json", api_key=key))[0] == 404
        assert (await get("/requests/99999999999999999999999.json", api_key=key))[0] == 404
        assert (await get("/requests.json", api_key=key, service_request_id="9" * 30))[0] == 400
        assert (await get("/services.json", jurisdiction_id="nowhere"))[0] == 404
        assert (await get("/tokens/nope.json", api_key=key))[0] == 404
        assert (await get("/services/unicorns.json"))[0] == 404
        assert (await client.get("/services.html")).status_code == 404
        # 400: malformed forms and every bad field.
        status, words = await post(
            {}, content=b'{"a": 1}', headers={"content-type": "application/json"}
        )
        assert (status, "x-www-form-urlencoded" in words) == (400, True)
        assert (await post({**good, "service_code": "unicorns"}))[0] == 400
        assert (await post({**good, "address_id": "", "lat": "31.9", "long": "121.5"}))[
            1
        ].startswith("lat/long: not within")
        assert (await post({**good, "address_id": "", "lat": "north"}))[0] == 400
        assert (await post({**good, "description": "垃" * 100_000}))[1].startswith(
            "description: at most 4000"
        )
        assert (await post({**good, "description": "<script>alert(1)</script>"}))[1] == (
            "description: plain text only, not HTML"
        )
        assert (await post({**good, "media_url": "file:///etc/passwd"}))[0] == 400
        status, words = await post(
            {},
            content=b"api_key=a&api_key=b",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert (status, words) == (400, "api_key: given twice")
        assert (
            await get(
                "/requests.json",
                api_key=key,
                start_date="2026-01-01T00:00:00+08:00",
                end_date="2026-11-01T00:00:00+08:00",
            )
        )[0] == 400
        assert (await get("/requests.json", api_key=key, start_date="yesterday"))[0] == 400
        assert (await get("/requests.json", api_key=key, page_size="5000"))[0] == 400
        assert await get("/requests.json", api_key=key, status="both") == (
            400,
            "status: open, closed, or open,closed",
        )
        assert (await get("/requests.json", api_key=key, service_code="nope"))[0] == 400
        assert (await get("/requests.json", api_key=key, extensions="maybe"))[0] == 400
        # An unencoded "+" arrives as a space: said so.
        answer = await client.get(
            f"/requests.json?api_key={key}&start_date=2026-11-01T00:00:00+08:00"
        )
        assert "%2B" in answer.json()[0]["description"]
        answer = await client.get(f"/requests.json?api_key={key}&page=1&page=2")
        assert answer.json()[0]["description"] == "page: given twice"
        # 413: a body over a megabyte, refused as it comes.
        status, _words = await post({"description": "x" * (1 << 20)})
        assert status == 413
        # Errors in XML as well.
        answer = await client.get("/requests/999.xml", params={"api_key": key})
        root = fromstring(answer.content)
        assert (root.tag, root.findtext("error/code")) == ("errors", "404")
    assert await case_count(db_url) == (0, 0)  # nothing half-created


@pytest.mark.parametrize("rates", [{"post_rate": "5/minute"}])
async def test_a_flood_of_posts_is_slowed_and_the_bot_keeps_answering(
    bot: BotHarness, key: str, db_url: str
) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        update = bot.api.send_text(RESIDENT, "复兴南街有人占道摆摊")
        answers = await asyncio.gather(
            *(
                client.post(
                    "/requests.json",
                    data={"api_key": key, "description": f"江城巷{n}号垃圾没人清"},
                )
                for n in range(12)
            )
        )
        await bot.handled(update)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 5 + [429] * 7  # post_rate = 5/minute
    refused = [a for a in answers if a.status_code == 429]
    assert all(a.json()[0]["code"] == 429 for a in refused)
    assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in refused)
    assert to(bot.api.sent(), RESIDENT.id)[0].text.startswith("已受理")
    cases, requests = await case_count(db_url)
    assert (cases, requests) == (6, 5)  # five filed (one case, four repeats) and the chat's


async def file_and_accept(bot: BotHarness, key: str, callback_url: str) -> None:
    """A case filed with a callback; the liaison accepts it: a change to push."""
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        await client.post(
            "/requests.json",
            data={
                "api_key": key,
                "service_code": "garbage",
                "address_id": "fuxing-jie",
                "callback_url": callback_url,
            },
        )
    await bot.settle()
    [dispatch] = to(bot.api.sent(), FENG.id)
    await bot.exchange(bot.api.press_button(FENG, dispatch, "接单"))


async def test_callbacks_are_retried_with_growing_pauses(
    bot: BotHarness, key: str, db_url: str, clock: ManualClock
) -> None:
    flaky = Receiver(failures=2)
    await flaky.server.start()
    try:
        await file_and_accept(bot, key, flaky.url)
        pusher = bot.app.services.callbacks
        await pusher.attempted(1)
        assert flaky.tries == 1
        clock.advance(timedelta(seconds=31))
        await pusher.push_due()
        assert flaky.tries == 2 and not flaky.bodies
        assert not await pusher.push_due()  # the next try waits a minute
        clock.advance(timedelta(seconds=61))
        await pusher.push_due()
        assert flaky.tries == 3 and last_states(flaky.bodies[0])[-1] == "IN_PROGRESS"
    finally:
        await flaky.server.stop()


@pytest.mark.parametrize("rates", [{"callback_attempts": 2}])
async def test_a_callback_that_keeps_failing_is_given_up(
    bot: BotHarness, key: str, db_url: str, clock: ManualClock
) -> None:
    dead = Receiver(failures=1000)
    await dead.server.start()
    try:
        await file_and_accept(bot, key, dead.url)
        pusher = bot.app.services.callbacks
        await pusher.attempted(1)
        clock.advance(timedelta(seconds=31))
        await pusher.push_due()
        clock.advance(timedelta(hours=2))
        assert not await pusher.push_due()
        assert dead.tries == 2
        database = Database(db_url)
        async with database.session() as session:
            [row] = (await session.exec(select(ServiceRequest))).all()
            assert (row.push_gave_up, row.push_attempts, row.push_error) == (True, 2, "HTTP 503")
        await database.dispose()
    finally:
        await dead.server.stop()


async def test_what_is_never_served(bot: BotHarness, key: str, db_url: str) -> None:
    await bot.handled(
        bot.api.send_text(RESIDENT, "复兴南街有人占道摆摊，很吵，我电话136 1234 5678")
    )
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        await client.post(
            "/requests.json",
            data={
                "api_key": key,
                "service_code": "garbage",
                "address_id": "jiangcheng-xiang",
                "first_name": "李",
                "phone": "13900001111",
                "anonymous": "true",
                "media_url": "https://img.example.org/a.jpg",
            },
        )
        listed = await client.get("/requests.json", params={"api_key": key})
    by_id = {r["service_request_id"]: r for r in listed.json()}
    assert by_id["1"]["channel"] == "telegram"
    assert by_id["1"]["description"] == "复兴南街有人占道摆摊，很吵，我电话***"
    assert "channel" not in by_id["2"]  # anonymous: not even the channel
    assert by_id["2"]["media_url"] == ""  # the street has not made photos public
    for secret in (str(RESIDENT.id), RESIDENT.first_name, "李", "13900001111", "冯军", "陈建国"):
        assert secret not in listed.text


async def test_services_and_discovery_in_either_language(bot: BotHarness) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        chinese = (await client.get("/services.json")).json()
        english = (
            await client.get("/services.json", headers={"Accept-Language": "en-US,en;q=0.9"})
        ).json()
        xml = fromstring((await client.get("/services.xml?jurisdiction_id=nanxing")).content)
        definition = (await client.get("/services/garbage.json")).json()
        discovery = (await client.get("/discovery.json")).json()
    garbage = next(s for s in chinese if s["service_code"] == "garbage")
    assert garbage["service_name"] == "暴露垃圾" and garbage["group"] == "南星环卫所"
    assert garbage["metadata"] is False and "垃圾" in garbage["keywords"]
    assert next(s for s in english if s["service_code"] == "garbage")["service_name"] == (
        "Rubbish and dirty streets"
    )
    assert xml.tag == "services" and xml.findtext("service/metadata") == "false"
    assert definition == {"service_code": "garbage", "attributes": []}
    [endpoint] = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]


async def test_pages_and_filters(bot: BotHarness, key: str, clock: ManualClock) -> None:
    filed = [
        ("garbage", "fuxing-jie"),
        ("small_ads", "fuxing-jie"),
        ("garbage", "qiaozhi-xiang"),
        ("garbage", "jiangcheng-xiang"),
        ("small_ads", "haiyue-xiang"),
    ]
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        for code, alley in filed:
            clock.advance(timedelta(hours=1))
            answer = await client.post(
                "/requests.json", data={"api_key": key, "service_code": code, "address_id": alley}
            )
            assert answer.status_code == 200, answer.text

        async def ids(**params: str) -> list[str]:
            answer = await client.get("/requests.json", params={"api_key": key, **params})
            assert answer.status_code == 200, answer.text
            return [r["service_request_id"] for r in answer.json()]

        assert await ids() == ["5", "4", "3", "2", "1"]  # newest first
        pages = [await ids(page_size="2", page=str(n)) for n in (1, 2, 3, 4)]
        assert pages == [["5", "4"], ["3", "2"], ["1"], []]
        assert await ids(service_code="small_ads") == ["5", "2"]
        assert await ids(service_code="garbage,small_ads", page_size="1") == ["5"]
        # 10:00 in Shanghai was T0; the cases came at 11:00, 12:00, … 15:00.
        assert await ids(start_date="2026-11-26T12:30:00+08:00") == ["5", "4", "3"]
        assert await ids(end_date="2026-11-26T12:30:00+08:00") == ["2", "1"]
        assert await ids(start_date="2026-11-26T04:30:00Z", end_date="2026-11-26T06:30:00Z") == [
            "4",
            "3",
        ]
        assert await ids(service_request_id="1,3,99") == ["3", "1"]
        assert await ids(jurisdiction_id="nanxing", status="open,closed") == [
            "5",
            "4",
            "3",
            "2",
            "1",
        ]
        # A date range of another season shows nothing (the last 90 days by default).
        assert await ids(start_date="2026-01-01T00:00:00+08:00") == []


@pytest.mark.parametrize("rates", [{"public_media": True}])
async def test_photo_links_when_the_street_publishes_them(bot: BotHarness, key: str) -> None:
    link = "https://img.example.org/reports/a.jpg"
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        await client.post(
            "/requests.json",
            data={
                "api_key": key,
                "service_code": "garbage",
                "address_id": "fuxing-jie",
                "media_url": link,
            },
        )
        await bot.settle()
        [request] = (await client.get("/requests/1.json", params={"api_key": key})).json()
    assert request["media_url"] == link
    # The liaison sees the photo: Telegram fetches it by its address.
    assert [r.params.get("photo") for r in bot.api.sent("sendPhoto", FENG.id)] == [link]


async def test_a_locked_database_answers_503_and_files_nothing(
    bot: BotHarness, key: str, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("an exclusive file lock is an SQLite fault")
    path = db_url.removeprefix("sqlite:///")
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys\n"
        f"db = sqlite3.connect({path!r}, isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('COMMIT')\n",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdin is not None and holder.stdout is not None
    fields = {"api_key": key, "service_code": "garbage", "address_id": "fuxing-jie"}
    try:
        assert await holder.stdout.readline() == b"locked\n"
        async with httpx.AsyncClient(base_url=base(bot), timeout=60) as client:
            refused = await client.post("/requests.json", data=fields)
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
            assert refused.json()[0]["code"] == 503
            holder.stdin.write(b"release\n")
            await holder.stdin.drain()
            await holder.wait()
            assert await case_count(db_url) == (0, 0)
            taken = await client.post("/requests.json", data=fields)
            assert taken.json()[0]["service_request_id"] == "1"
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


@pytest.mark.parametrize("rates", [{"post_rate": "2/minute"}])
async def test_mistakes_do_not_use_up_a_keys_filings(bot: BotHarness, key: str) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        for _ in range(5):
            wrong = await client.post(
                "/requests.json",
                data={"api_key": key, "service_code": "nope", "address_id": "fuxing-jie"},
            )
            assert wrong.status_code == 400
        for code in ("garbage", "small_ads"):
            right = await client.post(
                "/requests.json",
                data={"api_key": key, "service_code": code, "address_id": "fuxing-jie"},
            )
            assert right.status_code == 200, right.text
        over = await client.post(
            "/requests.json",
            data={"api_key": key, "service_code": "garbage", "address_id": "qiaozhi-xiang"},
        )
        assert over.status_code == 429 and "try again in" in over.json()[0]["description"]


async def test_a_callback_into_the_network_is_given_up_at_once(
    api: FakeBotApi, db_url: str, roster: None, clock: ManualClock, key: str
) -> None:
    api.open_chat(FENG)
    async with bot_running(db_url, api, clock=clock, web={"enabled": True, "port": 0}) as bot:
        async with httpx.AsyncClient(base_url=base(bot)) as client:
            await client.post(
                "/requests.json",
                data={"api_key": key, "service_code": "garbage", "address_id": "fuxing-jie"},
            )
        # Filed when the setting allowed it; the setting now says no.
        database = Database(db_url)
        async with database.session() as session:
            [row] = (await session.exec(select(ServiceRequest))).all()
            row.callback_url = "http://127.0.0.1:9/hook"
            session.add(row)
            await session.commit()
        await bot.settle()
        [dispatch] = to(bot.api.sent(), FENG.id)
        await bot.exchange(bot.api.press_button(FENG, dispatch, "接单"))
        pusher = bot.app.services.callbacks
        await pusher.attempted(1)
        clock.advance(timedelta(hours=2))
        assert not await pusher.push_due()
        async with database.session() as session:
            [row] = (await session.exec(select(ServiceRequest))).all()
            assert (row.push_gave_up, row.push_attempts) == (True, 1)
            assert row.push_error == "127.0.0.1 is a private address"
        await database.dispose()
