"""The real browser works here: a headless chromium emulating a phone opens the bot's own
HTTP server, reads the page, and takes a phone-sized screenshot (tests/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakegram import FakeBotApi
from tests import browser as browser_module
from tests.browser import PHONE, Phone, Phones, png_size
from tests.harness import bot_running


async def test_the_phone_reads_health_and_takes_a_phone_sized_screenshot(
    db_url: str, api: FakeBotApi, browser: Phone, tmp_path: Path
) -> None:
    async with bot_running(db_url, api, web={"enabled": True, "port": 0}) as bot:
        assert bot.app.web_server is not None
        url = f"http://127.0.0.1:{bot.app.web_server.port}/health"
        await browser.get(url)
        text = await browser.wait_for_text('"ok"')
        assert '"ok": true' in text.replace('":true', '": true')
        assert await browser.url() == url
        shot = await browser.screenshot(tmp_path / "health.png")
    assert png_size(shot) == (
        PHONE.width * PHONE.pixel_ratio,
        PHONE.height * PHONE.pixel_ratio,
    )
    seen = await browser.run(
        browser.driver.execute_script,
        "return [screen.width, screen.height, devicePixelRatio, navigator.userAgent,"
        " navigator.languages, navigator.maxTouchPoints > 0]",
    )
    # A page without a viewport meta tag lays out 980 pixels wide, as on a real phone: the
    # screen is what is emulated.
    assert seen[:3] == [PHONE.width, PHONE.height, PHONE.pixel_ratio]
    assert "Android" in seen[3] and "Mobile" in seen[3]
    assert seen[4:] == [["zh-CN", "zh"], True]


async def test_phones_in_other_languages_and_what_a_wait_says_when_it_fails(
    phone: Phones,
) -> None:
    english = await phone(lang="en")
    await english.get("data:text/html,<title>t</title><p id=p>hello</p>")
    assert await english.run(english.driver.execute_script, "return navigator.languages") == ["en"]
    assert await english.text("#p") == "hello"
    with pytest.raises(AssertionError, match=r"'bye' never appeared in '#p' within 0\.2s"):
        await english.wait_for_text("bye", css="#p", timeout=0.2)
    assert len(phone.opened) == 1
    await english.quit()  # the fixture quits whatever is left, and this one again harmlessly


async def test_pages_off_the_machine_are_unreachable(browser: Phone) -> None:
    """Chromium resolves no host name but localhost: a page cannot reach the network."""
    from selenium.common.exceptions import WebDriverException

    with pytest.raises(WebDriverException, match="ERR_NAME_NOT_RESOLVED"):
        await browser.get("http://example.com/")


def test_without_the_packages_the_browser_tests_skip_saying_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", str(tmp_path / "chromium"))
    reason = browser_module.missing()
    assert reason is not None
    assert reason.startswith("Debian's chromium and chromium-driver are not installed: ")
    assert str(tmp_path / "chromium") in reason
