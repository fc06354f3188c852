"""The public pages over real HTTP (the browser's own test is tests/test_browser_pages.py): a
signboard's report page files a case that reaches the liaison with its photo, the case's page
follows it and asks whether it is fixed, the alley's page counts a "+1"; refusals store
nothing; no page says a name, a phone or a Telegram id."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import func, select

from fakegram import FakeBotApi, FakeUser, Recorded
from fakegram.api import ServerError
from models.cases import Case, CaseState
from models.clock import ManualClock
from models.db import Database
from models.org import Alley
from models.web_photos import WebPhoto
from tests.harness import BotHarness, bot_running

FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
LIN = FakeUser(100080, "林老伯")  # street chief of 复兴街
TOKEN = "board-fuxing-jie"


def jpeg(gps: tuple[float, float] | None = None, size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A photo as a phone takes it: large, with EXIF (a camera, and a place when given)."""
    image = Image.new("RGB", size, (120, 140, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps is not None:
        lat, lon = gps

        def dms(value: float) -> tuple[float, float, float]:
            d = int(value)
            m = int((value - d) * 60)
            return (d, m, round(((value - d) * 60 - m) * 60, 4))

        exif.get_ifd(0x8825).update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def web() -> dict[str, Any]:
    return {"enabled": True, "port": 0}


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock, web: dict[str, Any]
) -> AsyncIterator[BotHarness]:
    for user in (FENG, LIN):
        api.open_chat(user)
    database = Database(db_url)
    async with database.session() as session:
        alley = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
        alley.board_token = TOKEN
        session.add(alley)
        await session.commit()
    await database.dispose()
    async with bot_running(db_url, api, clock=clock, web=web) as harness:
        yield harness


def base(bot: BotHarness) -> str:
    assert bot.app.web_server is not None
    return f"http://127.0.0.1:{bot.app.web_server.port}"


def to(records: list[Recorded], chat_id: int) -> list[Recorded]:
    return [r for r in records if r.chat_id == chat_id and r.method == "sendMessage"]


async def counts(db_url: str) -> tuple[int, int]:
    database = Database(db_url)
    try:
        async with database.session() as session:
            cases = (await session.exec(select(func.count()).select_from(Case))).one()
            photos = (await session.exec(select(func.count()).select_from(WebPhoto))).one()
            return int(cases), int(photos)
    finally:
        await database.dispose()


async def one_case(db_url: str) -> Case:
    database = Database(db_url)
    try:
        async with database.session() as session:
            return (await session.exec(select(Case))).one()
    finally:
        await database.dispose()


async def send(
    client: httpx.AsyncClient,
    fields: dict[str, str],
    photos: list[bytes] = (),  # type: ignore[assignment]
) -> httpx.Response:
    files = [("photos", (f"p{n}.jpg", data, "image/jpeg")) for n, data in enumerate(photos)]
    return await client.post(f"/r/{TOKEN}", data=fields, files=files or None)


async def test_a_report_from_the_signboard_reaches_the_liaison_and_is_followed(
    bot: BotHarness, db_url: str
) -> None:
    api = bot.api
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        form = await client.get(f"/r/{TOKEN}")
        assert form.status_code == 200 and "复兴街" in form.text and "遇到了什么问题" in form.text
        assert "<script src" not in form.text
        assert "http" not in form.text.split("<script nonce=")[1]  # nothing fetched from afar
        sent = await send(
            client,
            {"text": "门口垃圾好几天没人清理了", "phone": "138 0013 8000"},
            [jpeg(gps=(30.2280, 120.1768))],
        )
        assert sent.status_code == 303
        page_url = sent.headers["location"]
        assert re.fullmatch(r"/c/[\w-]{16}\?new=1", page_url)
        await bot.settle()
        [dispatch] = to(api.sent(), FENG.id)
        assert dispatch.text.startswith("新案件 #1：暴露垃圾")
        # The phone was left for the handler to call: the card gives it.
        assert "反映人：未留姓名 (扫码反映)" in dispatch.text
        assert "138 0013 8000" in dispatch.text
        [photo] = api.sent("sendPhoto", FENG.id)
        photo_url = photo.params["photo"]
        assert photo_url.startswith(base(bot) + "/p/") and photo_url.endswith(".jpg")
        # The photo as Telegram fetches it: smaller, and without the phone's metadata.
        fetched = await client.get(photo_url)
        image = Image.open(io.BytesIO(fetched.content))
        assert image.format == "JPEG" and max(image.size) == 1600 and not image.getexif()
        case = await one_case(db_url)
        assert (case.channel, case.lat, case.caller_phone) == ("web", None, "138 0013 8000")

        page = await client.get(page_url)
        assert "已受理，案件编号 #1。" in page.text and "由南星环卫所处理" in page.text
        for secret in ("138", "冯军", str(FENG.id), "林老伯"):
            assert secret not in page.text

        # Handled in Telegram; the resident answers on the page.
        await bot.exchange(api.press_button(FENG, dispatch, "接单"))
        await bot.exchange(api.press_button(FENG, dispatch, "处置完成"))
        await bot.exchange(api.send_text(FENG, "已清运"))
        asked = await client.get(page_url.split("?")[0])
        assert "问题解决了吗" in asked.text
        answered = await client.post(page_url.split("?")[0] + "/verdict", data={"fixed": "yes"})
        assert answered.status_code == 303
        await bot.settle()
        assert (await one_case(db_url)).state == CaseState.CLOSED
        assert any("#1" in m.text for m in to(api.sent(), FENG.id)[1:])  # the liaison is told
        closed = await client.get(answered.headers["location"])
        assert "感谢您的反馈" in closed.text and "核查已解决，结案。" in closed.text
        assert "您对处理结果满意吗" in closed.text  # the mark, asked once
        marked = await client.post(page_url.split("?")[0] + "/mark", data={"mark": "4"})
        assert marked.status_code == 303
        assert (await one_case(db_url)).satisfaction == 4
        again = await client.post(page_url.split("?")[0] + "/mark", data={"mark": "1"})
        assert again.status_code == 409 and (await one_case(db_url)).satisfaction == 4
        bad = await client.post(page_url.split("?")[0] + "/mark", data={"mark": "9"})
        assert bad.status_code == 409
        assert "您对处理结果满意吗" not in (await client.get(page_url.split("?")[0])).text
        assert "已派遣至南星环卫所。" in closed.text  # the timeline names the unit
        late = await client.post(page_url.split("?")[0] + "/verdict", data={"fixed": "no"})
        assert late.status_code == 409
        # No public page says who reported or who handled it, however it is looked at.
        pages = [closed.text, (await client.get(f"/a/{TOKEN}")).text]
        pages += [(await client.get(f"/r/{TOKEN}")).text, late.text]
        for text in pages:
            for secret in ("138", "0013", "冯军", str(FENG.id), "林老伯", str(LIN.id), "陈建国"):
                assert secret not in text


async def test_the_photos_location_only_when_asked(bot: BotHarness, db_url: str) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        sent = await send(
            client,
            {"text": "路灯不亮", "use_location": "1", "anonymous": "1", "phone": "13800138000"},
            [jpeg(gps=(30.2280, 120.1768), size=(800, 600))],
        )
        assert sent.status_code == 303
    case = await one_case(db_url)
    assert case.lat == pytest.approx(30.2280, abs=1e-4) and case.anonymous
    assert case.caller_phone is None  # anonymous: the phone is not kept
    assert not case.contact_allowed


@pytest.mark.parametrize("web", [{"enabled": True, "port": 0, "reports_per_address": "2/hour"}])
async def test_refusals_are_pages_and_store_nothing(bot: BotHarness, db_url: str) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        unknown = await client.get("/r/no-such-board")
        assert unknown.status_code == 404 and "此二维码已停用" in unknown.text
        cases = [
            ({"text": ""}, [], 400, "请用几句话说明"),
            ({"text": "垃" * 1001}, [], 400, "内容太长"),
            ({"text": "垃" * 600_000}, [], 400, "内容太长"),
            ({"text": "垃圾"}, [jpeg(size=(10, 10))] * 4, 400, "最多三张"),
            ({"text": "垃圾"}, [b"%PDF-1.4 not a photo"], 400, "不是可识别的照片"),
            ({"text": "垃圾", "website": "http://spam"}, [], 400, "未能提交"),
            ({"text": "垃圾", "phone": "call me"}, [], 400, "不像电话号码"),
        ]
        for fields, photos, status, words in cases:
            answer = await send(client, fields, photos)
            assert (answer.status_code, words in answer.text) == (status, True), fields
        assert await counts(db_url) == (0, 0)
        assert (await send(client, {"text": "垃圾没人清"})).status_code == 303
        assert (await send(client, {"text": "路灯坏了"})).status_code == 303
        over = await send(client, {"text": "井盖没了"})
        assert over.status_code == 429 and "一小时后再试" in over.text
        assert (await client.get("/c/nope")).status_code == 404
        assert (await client.get("/p/nope.jpg")).status_code == 404
    assert (await counts(db_url))[0] == 2


async def test_the_alley_page_and_plus_one(bot: BotHarness, db_url: str) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        await send(client, {"text": "门口垃圾好几天没人清理了"})
        page = await client.get(f"/a/{TOKEN}")
        assert "#1" in page.text and "暴露垃圾" in page.text and "我也遇到了" in page.text
        form = await client.get(f"/r/{TOKEN}")
        assert "本巷已有 1 个问题" in form.text
        plus = await client.post(f"/a/{TOKEN}/plus/1")
        assert plus.status_code == 303
        again = await client.post(f"/a/{TOKEN}/plus/1")  # the same address, the same day
        assert again.headers["location"] == f"/a/{TOKEN}?already=1"
        assert "案件 #1 已记上您的反映，谢谢" in (await client.get(again.headers["location"])).text
        thanked = await client.get(plus.headers["location"])
        assert "谢谢，案件 #1 已记上您的反映" in thanked.text
        assert (await client.post(f"/a/{TOKEN}/plus/99")).status_code == 404
    assert (await one_case(db_url)).report_count == 2


async def test_english_when_the_browser_asks(bot: BotHarness) -> None:
    async with httpx.AsyncClient(base_url=base(bot), headers={"Accept-Language": "en"}) as c:
        form = await c.get(f"/r/{TOKEN}")
        assert "What is wrong?" in form.text and 'lang="en"' in form.text


async def set_publish(db_url: str, publish: bool) -> None:
    from models.org import Street

    database = Database(db_url)
    async with database.session() as session:
        street = (await session.exec(select(Street))).one()
        street.publish_fix_photos = publish
        session.add(street)
        await session.commit()
    await database.dispose()


@pytest.mark.parametrize("publish", [True, False])
async def test_the_photo_of_the_fix_when_the_street_publishes_it(
    bot: BotHarness, db_url: str, publish: bool
) -> None:
    await set_publish(db_url, publish)
    api = bot.api
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        sent = await send(client, {"text": "门口垃圾好几天没人清理了"})
        page_url = sent.headers["location"].split("?")[0]
        await bot.settle()
        [dispatch] = to(api.sent(), FENG.id)
        await bot.exchange(api.press_button(FENG, dispatch, "接单"))
        await bot.exchange(api.press_button(FENG, dispatch, "处置完成"))
        await bot.exchange(api.send_photo(FENG, content=jpeg(gps=(30.2, 120.1), size=(900, 700))))
        page = await client.get(page_url)
        images = re.findall(r'<img class="photo" src="(/p/[\w-]+\.jpg)"', page.text)
        assert len(images) == (1 if publish else 0)
        if publish:
            fetched = await client.get(images[0])
            shown = Image.open(io.BytesIO(fetched.content))
            assert shown.size == (900, 700) and not shown.getexif()  # no place, no camera
            again = await client.get(page_url)  # fetched from Telegram once
            assert re.findall(r'src="(/p/[\w-]+\.jpg)"', again.text) == images
            assert len(api.sent("getFile")) == 1


async def test_the_liaison_opens_a_web_case_with_its_photo(bot: BotHarness, db_url: str) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        await send(client, {"text": "门口垃圾好几天没人清理了"}, [jpeg(size=(800, 600))])
    await bot.settle()
    api = bot.api
    # Telegram cannot fetch the photo (the address is not public): the case shows all the same.
    api.inject(ServerError(400, "Bad Request: failed to get HTTP URL content"), method="sendPhoto")
    exchange = await bot.exchange(api.send_command(FENG, "/case", "1"))
    [shown] = [r for r in exchange if r.method == "sendMessage" and r.chat_id == FENG.id]
    assert shown.text.startswith("案件 #1")


async def test_the_docs_curl_example(bot: BotHarness, db_url: str, tmp_path: Any) -> None:
    import asyncio
    import os
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    [block] = [b for b in docs_blocks() if "$BOARD" in b]
    write(tmp_path / "IMG_0001.jpg", jpeg(gps=(30.2280, 120.1768), size=(800, 600)))
    env = {**os.environ, "LANEKEEPER": base(bot), "BOARD": TOKEN}
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", block, env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert "303 See Other" in out.decode() and re.search(
        r"location: /c/[\w-]+\?new=1", out.decode()
    )
    case = await one_case(db_url)
    assert case.lat == pytest.approx(30.2280, abs=1e-4)  # use_location=1, read on the server
    assert case.caller_phone == "138 0013 8000" and case.contact_allowed


def docs_blocks() -> list[str]:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "pages.md").read_text("utf-8")
    return list(re.findall(r"```sh\n(.*?)```", doc, re.S))


def write(path: Any, data: bytes) -> None:
    path.write_bytes(data)


async def test_pages_keep_to_themselves(bot: BotHarness) -> None:
    async with httpx.AsyncClient(base_url=base(bot)) as client:
        form = await client.get(f"/r/{TOKEN}")
        other = await client.get("/a/" + TOKEN)
    policy = form.headers["content-security-policy"]
    [nonce] = re.findall(r'<script nonce="([\w-]+)">', form.text)
    assert f"script-src 'nonce-{nonce}'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'none'" in other.headers["content-security-policy"]
    for page in (form, other):
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
