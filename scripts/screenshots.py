"""Phone-width screenshots of web pages, for the docs: the same headless chromium, phone
emulation and offline flags as the browser tests (tests/browser.py), Debian's `chromium` and
`chromium-driver` installed.

    python scripts/screenshots.py NAME=URL [NAME=URL ...] [--lang en] [--full-page]
                                  [--wait-for TEXT] [--out DIR]

Each page is saved as DIR/NAME.png (docs/screenshots/ by default): the phone's viewport,
390×844 CSS pixels at pixel ratio 3 (1170×2532), or the whole page's length with --full-page.
--wait-for waits until TEXT is on every page before taking it (up to 10 s); --lang sets the
browser's language and Accept-Language (zh-CN by default). For example, with the bot running
with [web] enabled on port 8080:

    python scripts/screenshots.py health=http://127.0.0.1:8080/health --wait-for ok
    python scripts/screenshots.py report-en=http://127.0.0.1:8080/r/TOKEN --lang en --full-page

Only 127.0.0.1 and localhost can be reached: the browser resolves no other host name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import missing, png_size, screenshot, start_driver, stop_driver  # noqa: E402


def page(argument: str) -> tuple[str, str]:
    name, sep, url = argument.partition("=")
    if not sep or not name or not url or "/" in name:
        raise argparse.ArgumentTypeError(f"expected NAME=URL, got {argument!r}")
    return name, url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=page, metavar="NAME=URL")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--wait-for", metavar="TEXT")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1

    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    driver = start_driver(args.lang)
    try:
        for name, url in args.pages:
            driver.get(url)
            if args.wait_for:
                try:
                    WebDriverWait(driver, 10, poll_frequency=0.05).until(
                        ec.text_to_be_present_in_element((By.TAG_NAME, "body"), args.wait_for)
                    )
                except TimeoutException:
                    print(f"{args.wait_for!r} never appeared on {url} (10 s)", file=sys.stderr)
                    return 1
            path = screenshot(driver, args.out / f"{name}.png", full_page=args.full_page)
            width, height = png_size(path)
            print(f"{path} {width}×{height} {url}")
    finally:
        stop_driver(driver)
    return 0


if __name__ == "__main__":
    sys.exit(main())
