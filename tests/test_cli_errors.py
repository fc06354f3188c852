"""Whatever is wrong with the set-up, the command line says it in one line and exits 2."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli import main
from tests.conftest import PG_URL
from tests.harness import SAMPLE_ROSTER

OFFLINE_API = 'base_url = "http://127.0.0.1:9/bot"\n'  # nothing listens; never reached here


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """`run` in this process puts its log handler on the root logger, writing to this test's
    captured stderr: later tests get pytest's handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    return err.strip()


def config_with(tmp_path: Path, body: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "1:x"\n{OFFLINE_API}{body}', encoding="utf-8")
    return str(path)


def test_a_config_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("[app]\ntimezone = '上海'\n".encode("gb18030"))
    assert main(["db", "current", "--config", str(path)]) == 2
    assert one_line(capsys) == f"error: {path}: not UTF-8 text (byte 18); save it as UTF-8"


def test_a_config_path_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path)]) == 2
    assert one_line(capsys) == f"error: {tmp_path}: is a directory, not a file"


UNUSABLE = [
    pytest.param(
        "postgresql://postgres@127.0.0.1:1/x",
        "cannot use the PostgreSQL database 127.0.0.1:1/x: Connection refused",
        id="unreachable-server",
    ),
    pytest.param(
        "sqlite:///{tmp}/no/such/folder/lanekeeper.db",
        "cannot open the SQLite file '{tmp}/no/such/folder/lanekeeper.db': "
        "unable to open database file",
        id="unwritable-sqlite",
    ),
]
if PG_URL:
    missing = make_url(PG_URL).set(database=f"absent_{uuid.uuid4().hex[:8]}")
    UNUSABLE.append(
        pytest.param(
            missing.render_as_string(hide_password=False),
            f'database "{missing.database}" does not exist',
            id="missing-database",
        )
    )


@pytest.mark.parametrize(("url", "problem"), UNUSABLE)
@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["db", "current"]])
def test_an_unusable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, problem: str, command: list[str]
) -> None:
    url, problem = url.format(tmp=tmp_path), problem.format(tmp=tmp_path)
    config = config_with(tmp_path, f'[database]\nurl = "{url}"\n')
    assert main([*command, "--config", config]) == 2
    line = one_line(capsys)
    assert line.startswith(f"error: {config}: [database] url: ")
    assert problem in line


CATEGORIES = [
    pytest.param(
        '[[category]]\ncode = "greening"\n',
        "unknown key 'category' (the entries are [[categories]])",
        id="misspelt-table",
    ),
    pytest.param("", "no [[categories]] entries", id="empty"),
    pytest.param(
        '[[categories]]\ncode = "greening"\nname_zh = "绿化"\ndeadline_hours = 24\n',
        "category 'greening': required key 'name_en' is missing",
        id="missing-key",
    ),
    pytest.param(
        '[[categories]]\ncode = "greening"\nname_zh = "绿化"\nname_en = "Greening"\n'
        'lead = "greening"\ndeadline_hours = 24\nkeywords = ["树:heavy"]\n',
        "category 'greening': could not convert string to float: 'heavy'",
        id="bad-weight",
    ),
    pytest.param(b"\xff\xfe\x00[", "not UTF-8 text (byte 0)", id="binary"),
]


@pytest.mark.parametrize(("body", "problem"), CATEGORIES)
@pytest.mark.parametrize("command", ["run", "doctor"])
def test_a_bad_categories_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str | bytes,
    problem: str,
    command: str,
) -> None:
    table = tmp_path / "categories.toml"
    if isinstance(body, bytes):
        table.write_bytes(body)
    else:
        table.write_text(body, encoding="utf-8")
    config = config_with(tmp_path, f'[intake]\ncategories_file = "{table}"\n')
    assert main([command, "--config", config]) == 2
    assert one_line(capsys) == f"error: {config}: [intake] categories_file: {table}: {problem}"


@pytest.fixture
def roster_config(tmp_path: Path, db_url: str) -> str:
    return config_with(tmp_path, f'[database]\nurl = "{db_url}"\n')


@pytest.mark.parametrize(
    ("telegram_id", "problem"),
    [
        (2**63, "a Telegram user's id is positive, within 64 bits"),
        (-5, "a Telegram user's id is positive, within 64 bits"),
    ],
)
def test_a_roster_telegram_id_out_of_range(
    tmp_path: Path,
    roster_config: str,
    capsys: pytest.CaptureFixture[str],
    telegram_id: int,
    problem: str,
) -> None:
    roster = tmp_path / "big.toml"
    roster.write_text(
        SAMPLE_ROSTER.read_text(encoding="utf-8").replace(
            "telegram_id = 100010", f"telegram_id = {telegram_id}", 1
        ),
        encoding="utf-8",
    )
    assert main(["roster", "import", str(roster), "--config", roster_config]) == 2
    assert (
        one_line(capsys)
        == f"error: {roster}: members[4] (王强): telegram_id: {problem} (e.g. 100010)"
    )


def test_a_binary_roster_file(
    tmp_path: Path, roster_config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x13")
    assert main(["roster", "import", str(roster), "--config", roster_config]) == 2
    line = one_line(capsys)
    assert line.startswith(f"error: {roster}: ")
    assert "not UTF-8 text" in line or "not valid TOML" in line
    assert main(["roster", "import", str(tmp_path), "--config", roster_config]) == 2
    assert one_line(capsys) == f"error: {tmp_path}: is a directory, not a file"
