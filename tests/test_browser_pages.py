"""The signboard's pages in a real browser (Debian's chromium, headless, as a phone): open the
board's URL, write what is wrong, attach a photo, send, read the case number; the case
reaches the liaison on the fake Bot API with its photo. The alley page and the case page
open too.

LANEKEEPER_SCREENSHOTS=docs/screenshots makes this test save the three pages as the docs
show them (phone width, Chinese).
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlmodel import select

from fakegram import FakeBotApi, FakeUser
from models.clock import ManualClock
from models.db import Database
from models.org import Alley
from tests.browser import Phone
from tests.harness import BotHarness, bot_running

FENG = FakeUser(100021, "冯军")  # sanitation liaison, fuxing
TOKEN = "board-fuxing-jie"
SHOTS = os.environ.get("LANEKEEPER_SCREENSHOTS")


@pytest.fixture
async def bot(
    db_url: str, api: FakeBotApi, roster: None, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    api.open_chat(FENG)
    database = Database(db_url)
    async with database.session() as session:
        alley = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
        alley.board_token = TOKEN
        session.add(alley)
        await session.commit()
    await database.dispose()
    async with bot_running(db_url, api, clock=clock, web={"enabled": True, "port": 0}) as harness:
        yield harness


async def shoot(browser: Phone, name: str) -> None:
    if SHOTS:
        await browser.screenshot(Path(SHOTS) / f"{name}.png", full_page=True)


async def test_report_by_phone_browser_reaches_the_liaison(
    bot: BotHarness, browser: Phone, tmp_path: Path
) -> None:
    assert bot.app.web_server is not None
    base = f"http://127.0.0.1:{bot.app.web_server.port}"
    photo = tmp_path / "IMG_0001.jpg"
    Image.new("RGB", (3000, 2000), (90, 110, 70)).save(photo, "JPEG")

    await browser.get(f"{base}/r/{TOKEN}")
    await browser.wait_for_text("遇到了什么问题")
    assert "复兴街" in await browser.text("header")
    await browser.type("#text", "门口垃圾好几天没人清理了，很臭")
    await browser.type("#photos", str(photo), clear=False)
    await shoot(browser, "report-page")
    await browser.click("#send")
    page = await browser.wait_for_text("已受理，案件编号 #1。")
    assert "由南星环卫所处理" in page and "冯军" not in page
    await shoot(browser, "case-page")
    case_url = await browser.url()
    assert "/c/" in case_url

    # The case reached the liaison, with the photo, made small on the phone before upload.
    await bot.settle()
    [card] = [r for r in bot.api.sent("sendMessage", FENG.id) if "#1" in r.text]
    assert card.text.startswith("新案件 #1：暴露垃圾")
    [sent_photo] = bot.api.sent("sendPhoto", FENG.id)
    async with httpx.AsyncClient() as client:
        fetched = await client.get(sent_photo.params["photo"])
    assert max(Image.open(io.BytesIO(fetched.content)).size) == 1600

    # The alley page knows the case now.
    await browser.get(f"{base}/a/{TOKEN}")
    known = await browser.wait_for_text("#1")
    assert "暴露垃圾" in known and "我也遇到了" in known
    await shoot(browser, "alley-page")


async def test_what_is_wrong_is_said_above_the_form_and_nothing_typed_is_lost(
    bot: BotHarness, browser: Phone, tmp_path: Path
) -> None:
    assert bot.app.web_server is not None
    base = f"http://127.0.0.1:{bot.app.web_server.port}"
    photos = []
    for n in range(4):
        photos.append(tmp_path / f"p{n}.jpg")
        Image.new("RGB", (400, 300), (n * 40, 90, 70)).save(photos[-1], "JPEG")
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_bytes(b"%PDF-1.4 this is no photo")

    await browser.get(f"{base}/r/{TOKEN}")
    await browser.type("#text", "井盖松动，踩上去会响")
    await browser.type("#photos", "\n".join(str(p) for p in photos), clear=False)
    await browser.click("#send")
    await browser.wait_for_text("最多三张照片", css="#problem")
    field = await browser.find("#text")
    assert await browser.run(field.get_attribute, "value") == "井盖松动，踩上去会响"

    # The server's refusal, said the same way.
    await browser.run(browser.driver.refresh)
    await browser.type("#text", "井盖松动，踩上去会响")
    await browser.type("#photos", str(not_a_photo), clear=False)
    await browser.click("#send")
    await browser.wait_for_text("不是可识别的照片", css="#problem")
    field = await browser.find("#text")
    assert await browser.run(field.get_attribute, "value") == "井盖松动，踩上去会响"
    assert "/r/" in await browser.url()
