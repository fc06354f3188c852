"""Configuration: defaults, the example file, and one clear line for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from services.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None, environ={})
    assert config.app.timezone == "Asia/Shanghai"
    assert config.app.default_locale == "zh_CN"
    assert config.database.url == "sqlite:///lanekeeper.db"
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.token == ""


def test_the_example_file_is_valid_and_documents_every_key() -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.model_dump(exclude={"telegram": {"token"}}) == load_config(
        None, environ={}
    ).model_dump(exclude={"telegram": {"token"}})
    for section, model in config:
        for key in type(model).model_fields:
            assert f"\n{key} = " in example, f"[{section}] {key} is not in the example"
            before = example.split(f"\n{key} = ")[0].rstrip().splitlines()[-1]
            assert before.startswith("#"), f"[{section}] {key} has no comment"


def test_token_from_the_environment_wins_and_is_not_shown(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:FILE"\n')
    config = load_config(path, environ={"LANEKEEPER_TOKEN": "2:ENV-SECRET"})
    assert config.token == "2:ENV-SECRET"
    assert "ENV-SECRET" not in repr(config)
    assert "ENV-SECRET" not in str(config.model_dump())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[app]\ntimezone = "Mars/Base"\n',
            "[app] timezone: unknown time zone 'Mars/Base'; expected an IANA name",
        ),
        ('[app]\ndefault_locale = "fr"\n', "[app] default_locale: expected one of zh_CN, en"),
        ("[app]\nadmins = [0]\n", "[app] admins: Telegram user ids are positive 64-bit numbers"),
        (f"[app]\nadmins = [{2**63}]\n", "[app] admins: Telegram user ids are positive 64-bit"),
        ('[app]\nadmins = ["x"]\n', "[app] admins[0]: Input should be a valid integer"),
        ("[app]\ntimezon = 1\n", "[app] timezon: unknown key (misspelt?)"),
        ('[database]\nurl = "mysql://x"\n', "[database] url: expected a sqlite or postgresql URL"),
        ('[database]\nurl = "nonsense"\n', "[database] url: expected a URL such as"),
        ('[telegram]\nbase_url = "ftp://x"\n', "[telegram] base_url: expected an http(s) URL"),
        ("[telegram\n", "not valid TOML"),
        ("[surprise]\n", "[surprise]: unknown key (misspelt?)"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[app]\ntimezone = "Mars/Base"\n')
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}: [app] timezone:")


def test_run_without_a_token_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "")
    assert main(["run", "--config", str(path)]) == 2
    assert "[telegram] token: required to run" in capsys.readouterr().err


def test_python_dash_m_bot_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("run", "demo", "db"):
        assert f"    {command} " in result.stdout
