"""A real browser for the tests: Debian's `chromium`, headless, driven through Debian's
`chromium-driver` by Selenium, emulating a phone (390×844 CSS pixels at pixel ratio 3,
Chrome on Android's user agent, touch).

Nothing is ever downloaded: Selenium is given /usr/bin/chromedriver and /usr/bin/chromium, so
Selenium Manager never runs (and SE_OFFLINE is set should it run anyway); chromium resolves no
host name but localhost (`--host-resolver-rules`), uses no proxy, and its background services
(sync, component updates, …) are off. Pages are opened on http://127.0.0.1:PORT/.

Without the two packages (`apt-get install chromium chromium-driver`, done by .ci/run) the
fixtures skip, saying so. Registered by tests/conftest.py (`pytest_plugins`); selenium is only
imported when a browser is started, so other tests don't pay for it.

In a test (the bot's server runs on the test's event loop, so every blocking Selenium call
runs in a thread through the `Phone` wrapper):

    async def test_page(db_url, api, browser):          # a phone in zh-CN
        async with bot_running(db_url, api, web={"enabled": True, "port": 0}) as bot:
            await browser.get(f"http://127.0.0.1:{bot.app.web_server.port}/health")
            await browser.wait_for_text("ok")

    async def test_english(phone):                       # other languages, several phones
        english = await phone(lang="en")

scripts/screenshots.py uses `start_driver`, `stop_driver` and `screenshot` too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from xml.sax.saxutils import escape

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The charts' Chinese font (views/fonts/), so Chinese shows in screenshots on a machine without
# CJK fonts (Debian's chromium brings none): given to chromium through fontconfig.
FONTS = Path(__file__).resolve().parent.parent / "views" / "fonts"


@dataclass(frozen=True)
class Device:
    width: int = 390  # CSS pixels
    height: int = 844
    pixel_ratio: float = 3.0
    user_agent: str = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
    )


PHONE = Device()

# Headless, offline, quiet. Host names other than localhost fail to resolve in the browser as
# in the tests (tests/conftest.py `_no_network`); IP literals such as 127.0.0.1 need no
# resolving.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--no-pings",
    "--metrics-recording-only",
    "--mute-audio",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def missing() -> str | None:
    """Why no browser can be started here, or None."""
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if absent:
        return (
            "Debian's chromium and chromium-driver are not installed: "
            f"{', '.join(absent)} missing (apt-get install chromium chromium-driver; .ci/run "
            "does it)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def start_driver(lang: str = "zh-CN", device: Device = PHONE) -> WebDriver:
    """A headless chromium emulating `device`, asking for pages in `lang` (its UI language
    and Accept-Language). A fresh profile each time. Stop it with stop_driver()."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, should anything call it
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--lang={lang}")
    options.add_argument(f"--window-size={device.width},{device.height}")
    accept = f"{lang},{lang.split('-')[0]}" if "-" in lang else lang
    options.add_experimental_option("prefs", {"intl.accept_languages": accept})
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {
                "width": device.width,
                "height": device.height,
                "pixelRatio": device.pixel_ratio,
                "touch": True,
                "mobile": True,
            },
            "userAgent": device.user_agent,
        },
    )
    # chromedriver passes its environment on to chromium. Its profile and what chromium leaves
    # in the temporary directory (a socket directory per run) go into a directory of its own,
    # removed by stop_driver().
    scratch = tempfile.mkdtemp(prefix="lanekeeper-chromium-")
    environ = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig()), "TMPDIR": scratch}
    service = Service(executable_path=CHROMEDRIVER, env=environ)
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    driver._lanekeeper_scratch = scratch  # type: ignore[attr-defined]
    return driver


def stop_driver(driver: WebDriver) -> None:
    """Quit a browser from start_driver() and remove its temporary files; once is enough,
    again does nothing."""
    scratch = driver.__dict__.pop("_lanekeeper_scratch", None)
    if scratch is None:
        return
    try:
        driver.quit()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _fontconfig() -> Path:
    """A fontconfig file: the system's fonts and the project's Chinese one."""
    path = Path(tempfile.gettempdir()) / f"lanekeeper-fonts-{os.getuid()}.conf"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{escape(str(FONTS))}</dir>\n"
        "</fontconfig>\n"
    )
    if not path.exists() or path.read_text() != text:
        temporary = path.with_suffix(f".{os.getpid()}")
        temporary.write_text(text)
        temporary.replace(path)
    return path


def screenshot(driver: WebDriver, path: Path, full_page: bool = False) -> Path:
    """A PNG of the viewport (device width × pixel ratio wide), or of the whole page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not full_page:
        if not driver.save_screenshot(str(path)):
            raise RuntimeError(f"chromium took no screenshot of {driver.current_url}")
        return path
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file (and a check that it is one)."""
    data = path.read_bytes()[:24]
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


T = TypeVar("T")


class Phone:
    """The driver for async tests: every call runs in a thread, so the bot's server (on the
    test's event loop) keeps serving meanwhile. Waits use Selenium's WebDriverWait, never
    sleep. Elements are found by CSS selector; `driver` is there for anything else (or use
    `run(fn, *args)` to call any blocking function in a thread)."""

    def __init__(self, driver: WebDriver, device: Device = PHONE, timeout: float = 10.0) -> None:
        self.driver = driver
        self.device = device
        self.timeout = timeout

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    async def get(self, url: str) -> None:
        await self.run(self.driver.get, url)

    async def find(self, css: str, timeout: float | None = None) -> WebElement:
        """The first element matching `css`, waiting until there is one."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        element: WebElement = await self._wait(
            ec.presence_of_element_located((By.CSS_SELECTOR, css)),
            timeout,
            f"no element matches {css!r}",
        )
        return element

    async def find_all(self, css: str) -> list[WebElement]:
        """Every element matching `css` now (no wait)."""
        from selenium.webdriver.common.by import By

        return await self.run(self.driver.find_elements, By.CSS_SELECTOR, css)

    async def type(self, css: str, text: str, clear: bool = True) -> None:
        element = await self.find(css)
        if clear:
            await self.run(element.clear)
        await self.run(element.send_keys, text)

    async def click(self, css: str, timeout: float | None = None) -> None:
        """Click the element once it is visible and enabled."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        element: WebElement = await self._wait(
            ec.element_to_be_clickable((By.CSS_SELECTOR, css)),
            timeout,
            f"nothing clickable matches {css!r}",
        )
        await self.run(element.click)

    async def text(self, css: str = "body") -> str:
        """The visible text of the first element matching `css` (the page's by default)."""
        element = await self.find(css)
        return await self.run(lambda: element.text)

    async def wait_for_text(
        self, text: str, css: str = "body", timeout: float | None = None
    ) -> str:
        """Wait until `text` appears in the element's visible text; that text."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        await self._wait(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
            timeout,
            f"{text!r} never appeared in {css!r}",
        )
        return await self.text(css)

    async def screenshot(self, path: Path, full_page: bool = False) -> Path:
        return await self.run(screenshot, self.driver, path, full_page)

    async def url(self) -> str:
        return await self.run(lambda: self.driver.current_url)

    async def title(self) -> str:
        return await self.run(lambda: self.driver.title)

    async def quit(self) -> None:
        await self.run(stop_driver, self.driver)

    async def _wait(self, condition: Callable[[Any], Any], timeout: float | None, what: str) -> Any:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait

        seconds = self.timeout if timeout is None else timeout
        wait = WebDriverWait(self.driver, seconds, poll_frequency=0.05)
        try:
            return await self.run(wait.until, condition)
        except TimeoutException:
            page = await self.run(lambda: self.driver.current_url)
            raise AssertionError(f"{what} within {seconds}s on {page}") from None


class Phones:
    """What the `phone` fixture gives: `await phone(lang="en")` starts another browser; all
    are quit when the test ends. `started` holds how long each took to start."""

    def __init__(self) -> None:
        self.opened: list[Phone] = []
        self.started: list[float] = []

    async def __call__(self, lang: str = "zh-CN", device: Device = PHONE) -> Phone:
        begin = time.perf_counter()
        driver = await asyncio.to_thread(start_driver, lang, device)
        self.started.append(time.perf_counter() - begin)
        phone = Phone(driver, device)
        self.opened.append(phone)
        return phone

    def quit_all(self) -> None:
        for phone in self.opened:
            # A browser already gone must not keep the others running.
            with contextlib.suppress(Exception):
                stop_driver(phone.driver)
        self.opened.clear()


@pytest.fixture
def phone() -> Iterator[Phones]:
    """A factory of phone browsers: `page = await phone(lang="en")`."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    phones = Phones()
    try:
        yield phones
    finally:
        phones.quit_all()


@pytest.fixture
def browser() -> Iterator[Phone]:
    """A phone browser asking for zh-CN pages, quit when the test ends."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    driver = start_driver()
    try:
        yield Phone(driver)
    finally:
        stop_driver(driver)
