"""The roster and invite commands as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "examples" / "nanxing.roster.toml"


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\nbot_username = "LaneKeeperBot"\n[database]\nurl = "{db_url}"\n'
        '[app]\ndefault_locale = "en"\n',
        encoding="utf-8",
    )
    return str(path)


def test_import_twice_export_and_invites(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(SAMPLE), "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nanxing: imported (+8 alleys, +4 blocks")
    assert "  马超: https://t.me/LaneKeeperBot?start=" in out

    assert main(["roster", "import", str(SAMPLE), "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nanxing: already up to date, nothing changed.")
    assert "马超 has an unused invitation" in out

    exported = tmp_path / "out.toml"
    assert (
        main(["roster", "export", "--street", "nanxing", "-o", str(exported), "--config", config])
        == 0
    )
    assert main(["roster", "import", str(exported), "--config", config]) == 0
    assert "nothing changed" in capsys.readouterr().out

    assert (
        main(["invite", "create", "--street", "nanxing", "--member", "马超", "--config", config])
        == 0
    )
    out = capsys.readouterr().out
    assert "for 马超, valid until" in out and "https://t.me/LaneKeeperBot?start=" in out
    assert (
        main(
            [
                "invite",
                "create",
                "--street",
                "nanxing",
                "--role",
                "liaison",
                "--party",
                "sanitation",
                "--community",
                "fuxing",
                "--uses",
                "0",
                "--config",
                config,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["invite", "list", "--street", "nanxing", "--config", config]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[5] for line in listing] == ["revoked", "valid", "valid"]
    assert listing[2].split("\t")[1:5] == ["liaison", "sanitation", "fuxing", "0/∞"]
    assert main(["invite", "revoke", "3", "--config", config]) == 0
    assert capsys.readouterr().out == "Invitation #3 revoked.\n"


def test_a_bad_roster_is_refused_with_one_line(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            'party = "enforcement"\nblocks', 'party = "enforcment"\nblocks'
        ),
        encoding="utf-8",
    )
    assert main(["roster", "import", str(bad), "--config", config]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {bad}: members[5] (刘洋): unknown party 'enforcment'\n"


def test_invite_errors(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["invite", "create", "--street", "nowhere", "--role", "liaison", "--config", config])
        == 1
    )
    assert "no street 'nowhere'" in capsys.readouterr().err


def test_the_import_summary_is_in_the_cli_language(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zh.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[app]\ndefault_locale = "zh_CN"\n')
    assert main(["roster", "import", str(SAMPLE), "--config", str(path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("nanxing：已导入（+8 条街巷、+4 个网格")
    assert "alley" not in first and "member" not in first


def test_counted_kinds_in_both_languages() -> None:
    from locales.i18n import I18n
    from views.roster_report import changes

    zh, en = I18n("zh_CN"), I18n("en")
    assert changes(zh, {"alley": 8, "party": 1}, {"member": 2}, 1) == (
        "+8 条街巷、+1 个单位、~2 名成员、-1 名成员"
    )
    assert changes(en, {"alley": 1, "meeting": 2}, {}, 0) == "+1 alley, +2 meeting series"


def test_an_invitation_for_no_unit_has_no_dash() -> None:
    from datetime import UTC, datetime
    from typing import cast

    from locales.i18n import I18n
    from models.members import StreetMap
    from models.org import Party
    from views.invitations import invitation_text

    no_map = cast(StreetMap, None)  # no areas: the whole street, nothing looked up
    when = datetime(2026, 12, 3, 2, tzinfo=UTC)
    zh = invitation_text(I18n("zh_CN"), no_map, "street_chief", None, (), when)
    assert zh.startswith("邀请：街长，负责整个街道。") and "—" not in zh
    en = invitation_text(I18n("en"), no_map, "street_chief", None, (), when)
    assert en.startswith("Invitation for a street chief, answering for the whole street.")
    unit = Party(street_id=1, code="sanitation", name="南星环卫所")
    assert invitation_text(I18n("zh_CN"), no_map, "liaison", unit, (), when).startswith(
        "邀请：南星环卫所联络员，负责整个街道。"
    )


def test_an_invitation_for_a_role_names_the_role_in_the_operators_language(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(config).write_text(
        Path(config).read_text(encoding="utf-8").replace('"en"', '"zh_CN"'), encoding="utf-8"
    )
    assert main(["roster", "import", str(SAMPLE), "--config", config]) == 0
    capsys.readouterr()
    args = ["invite", "create", "--street", "nanxing", "--role", "liaison", "--config", config]
    assert main([*args, "--party", "sanitation", "--community", "fuxing"]) == 0
    out = capsys.readouterr().out
    assert "（联络员），有效期至" in out and "liaison" not in out


def test_api_keys_from_the_command_line(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roster", "import", str(SAMPLE), "--config", config]) == 0
    capsys.readouterr()
    command = ["apikey", "create", "--name", "hotline-12345", "--street", "nanxing"]
    assert main([*command, "--config", config]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "API key 'hotline-12345' (nanxing; read and file cases). It is shown this once; "
        "keep it safe:"
    )
    secret = out[1].strip()
    assert secret.startswith("lk_")
    assert main([*command, "--config", config]) == 1  # the name is taken
    assert "exists already" in capsys.readouterr().err
    bad = ["apikey", "create", "--name", "x", "--street", "atlantis", "--config", config]
    assert main(bad) == 1
    assert "no street 'atlantis'" in capsys.readouterr().err
    assert main(["apikey", "list", "--config", config]) == 0
    listed = capsys.readouterr().out
    assert "hotline-12345\tlk_" in listed and "active" in listed and secret not in listed
    assert main(["apikey", "revoke", "hotline-12345", "--config", config]) == 0
    assert main(["apikey", "revoke", "nobody", "--config", config]) == 1
    assert main(["apikey", "list", "--config", config]) == 0
    assert "revoked" in capsys.readouterr().out
