"""Alley signboards: tokens that stay, rotation, what a board shows, the PDF's QR code read
back by a decoder, phones printed only when public, and the command line."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from fakegram import FakeBotApi
from models.db import Database
from models.org import Alley, Member, Party, Street
from models.roster import ImportReport, import_roster
from models.roster_spec import parse_roster
from models.signboards import Board, alley_by_token, board, board_token, lead_parties
from tests.harness import SAMPLE_ROSTER, T0
from views.signboard_pdf import render_pdf

PUBLIC = "https://lanekeeper.example.org"
PRIVATE_PHONE = "139 1111 2222"
PUBLIC_PHONE = "138 0000 0080"


async def alley(db: Database, code: str) -> Alley:
    async with db.session() as session:
        return (await session.exec(select(Alley).where(Alley.code == code))).one()


async def board_of(db: Database, code: str) -> Board:
    async with db.session() as session:
        street = (await session.exec(select(Street).where(Street.code == "nanxing"))).one()
        row = (await session.exec(select(Alley).where(Alley.code == code))).one()
        return await board(session, street, row)


def pdf_text_and_codes(data: bytes) -> tuple[str, list[str]]:
    """The page's text without whitespace (pypdf reads fpdf2's two-byte CID codes with a NUL
    before each character), and what a QR decoder reads in the page's images."""
    import zxingcpp
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1  # one A4 board
    page = reader.pages[0]
    codes = []
    for image in page.images:
        found = zxingcpp.read_barcodes(image.image)
        codes += [c.text for c in found if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    return "".join(page.extract_text().replace("\x00", "").split()), codes


def bare(text: str) -> str:
    return "".join(text.split())


async def test_tokens_stay_and_rotation_retires_the_old_one(
    db_url: str, roster: ImportReport
) -> None:
    db = Database(db_url)
    try:
        async with db.session() as session:
            row = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
            assert row.board_token is None  # none before a board is asked for
            first = await board_token(session, row)
            assert 16 <= len(first) <= 32 and first == await board_token(session, row)
        async with db.session() as session:  # stored: the same in another session (run)
            row = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
            assert await board_token(session, row) == first
            found = await alley_by_token(session, first)
            assert found is not None and found.code == "fuxing-jie"
            other = (await session.exec(select(Alley).where(Alley.code == "haiyue-xiang"))).one()
            assert await board_token(session, other) != first  # each alley its own
            rotated = await board_token(session, row, rotate=True)
        assert rotated != first
        async with db.session() as session:
            assert await alley_by_token(session, first) is None  # old boards stop working
            found = await alley_by_token(session, rotated)
            assert found is not None and found.code == "fuxing-jie"
            for junk in ("", "x" * 33, "../etc/passwd", "a b c d e f g h", first[:-1]):
                assert await alley_by_token(session, junk) is None
    finally:
        await db.dispose()


async def test_what_a_board_shows(db_url: str, roster: ImportReport) -> None:
    db = Database(db_url)
    try:
        shown = await board_of(db, "fuxing-jie")
        assert shown.alley.name == "复兴街" and shown.street.name == "南星街道"
        assert [(c.name, c.phone) for c in shown.chiefs] == [("林老伯", None)]
        leads = set(lead_parties())
        assert "community" not in leads and "sanitation" in leads
        assert [u.code for u in shown.units] == [
            "street_office",
            "enforcement",
            "sanitation",
            "construction",
            "commerce",
            "planning",
            "environment",
            "traffic_police",
        ]
        assert all(u.phone is None for u in shown.units) and shown.supervision_phone is None
        assert shown.url(PUBLIC + "/") == f"{PUBLIC}/r/{shown.token}"
        # Another alley's chief is not on this board; an alley without one shows none.
        assert [c.name for c in (await board_of(db, "haiyue-xiang")).chiefs] == ["黄阿姨"]
        assert (await board_of(db, "lixin-xiang")).chiefs == ()

        async with db.session() as session:
            lin = (await session.exec(select(Member).where(Member.name == "林老伯"))).one()
            lin.phone, lin.phone_public = PUBLIC_PHONE, True
            huang = (await session.exec(select(Member).where(Member.name == "黄阿姨"))).one()
            huang.active = False  # left: off the board
            sanitation = (await session.exec(select(Party).where(Party.code == "sanitation"))).one()
            sanitation.phone = "0571-8700 0004"
            street = (await session.exec(select(Street))).one()
            street.supervision_phone = "0571-8700 0000"
            session.add_all([lin, huang, sanitation, street])
            await session.commit()
        shown = await board_of(db, "fuxing-jie")
        assert [(c.name, c.phone) for c in shown.chiefs] == [("林老伯", PUBLIC_PHONE)]
        assert {u.code: u.phone for u in shown.units}["sanitation"] == "0571-8700 0004"
        assert shown.supervision_phone == "0571-8700 0000"
        assert (await board_of(db, "haiyue-xiang")).chiefs == ()
        async with db.session() as session:
            street = (await session.exec(select(Street))).one()
            row = (await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))).one()
            only = await board(session, street, row, units=["sanitation", "nobody"])
        assert [u.code for u in only.units] == ["sanitation"]
    finally:
        await db.dispose()


async def test_the_pdf_qr_code_reads_back_and_phones_show_only_when_public(
    db_url: str, tmp_path: Path
) -> None:
    """Through the roster, as a street office would say it."""
    with SAMPLE_ROSTER.open("rb") as fh:
        data = tomllib.load(fh)
    data["street"]["supervision_phone"] = "0571-8700 0000"
    for party in data["parties"]:
        if party["code"] == "enforcement":
            party["phone"] = "0571-8700 0003"
    for member in data["members"]:
        if member["name"] == "林老伯":  # street chief of fuxing-jie and qiaozhi-xiang
            member.update(phone=PUBLIC_PHONE, phone_public=True)
        if member["name"] == "黄阿姨":  # of haiyue-xiang: her phone stays private
            member.update(phone=PRIVATE_PHONE)
    db = Database(db_url)
    try:
        async with db.session() as session:
            await import_roster(session, parse_roster(data, "test.toml"), now=T0)
        public = await board_of(db, "fuxing-jie")
        text, codes = pdf_text_and_codes(render_pdf(public, PUBLIC))
        assert codes == [f"{PUBLIC}/r/{public.token}"]
        assert bare(PUBLIC_PHONE) in text and "0571-87000003" in text and "0571-87000000" in text
        assert "街巷长公示牌" in text and "复兴街" in text and "林老伯" in text
        assert f"{PUBLIC}/r/{public.token}" in text
        assert "Streetchiefnoticeboard" not in text  # no English name: Chinese only

        private = await board_of(db, "haiyue-xiang")
        text, codes = pdf_text_and_codes(render_pdf(private, PUBLIC))
        assert codes == [f"{PUBLIC}/r/{private.token}"]
        assert (
            "黄阿姨" in text and bare(PRIVATE_PHONE) not in text and bare(PUBLIC_PHONE) not in text
        )

        async with db.session() as session:
            row = (await session.exec(select(Alley).where(Alley.code == "haiyue-xiang"))).one()
            row.name_en = "Haiyue Lane"
            session.add(row)
            await session.commit()
        english = await board_of(db, "haiyue-xiang")
        text, codes = pdf_text_and_codes(render_pdf(english, PUBLIC))
        assert english.token == private.token and codes == [f"{PUBLIC}/r/{private.token}"]
        assert "HaiyueLane" in text and "Streetchiefnoticeboard" in text
        assert "Scantoreportaproblem" in text and "扫码反映问题" in text
    finally:
        await db.dispose()


# -- the command line ---------------------------------------------------------------------


def write_config(tmp_path: Path, db_url: str, public_url: str | None = PUBLIC) -> str:
    path = tmp_path / "config.toml"
    web = f'[web]\npublic_url = "{public_url}"\n' if public_url is not None else ""
    path.write_text(
        f'[database]\nurl = "{db_url}"\n[app]\ndefault_locale = "en"\n{web}', encoding="utf-8"
    )
    return str(path)


async def test_the_command_writes_a_board_per_alley_and_rotates(
    db_url: str, roster: ImportReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    config = write_config(tmp_path, db_url)
    out = tmp_path / "boards" / "nanxing"  # made when missing
    args = ["signboards", "--street", "nanxing", "--output", str(out), "--config", config]
    assert await asyncio.to_thread(main, args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and sorted(p.name for p in out.iterdir()) == sorted(
        f"{code}.pdf"
        for code in (
            "fuxing-jie",
            "qiaozhi-xiang",
            "fuxing-nanjie",
            "jiangcheng-xiang",
            "haiyue-xiang",
            "xiaoxi-xiang",
            "shuicheng-nanjie",
            "lixin-xiang",
        )
    )
    db = Database(db_url)
    try:
        token = (await alley(db, "fuxing-jie")).board_token
        assert lines[0] == f"{out / 'fuxing-jie.pdf'}  {PUBLIC}/r/{token}"
        _text, codes = pdf_text_and_codes((out / "fuxing-jie.pdf").read_bytes())
        assert codes == [f"{PUBLIC}/r/{token}"]

        # Again: the same codes (a reprint matches the boards hung).
        assert await asyncio.to_thread(main, args) == 0
        assert capsys.readouterr().out.splitlines() == lines

        one = [*args, "--alley", "fuxing-jie", "--rotate"]
        assert await asyncio.to_thread(main, one) == 0
        said = capsys.readouterr().out.splitlines()
        assert said[0].startswith("nanxing: new codes for 1 alley: the boards printed before")
        new = (await alley(db, "fuxing-jie")).board_token
        assert new != token and said[1] == f"{out / 'fuxing-jie.pdf'}  {PUBLIC}/r/{new}"
        assert (await alley(db, "haiyue-xiang")).board_token is not None  # others unchanged
        async with db.session() as session:
            assert await alley_by_token(session, token or "") is None
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--street", "nowhere"], 1, "error: no street 'nowhere'"),
        (["--street", "nanxing", "--alley", "nowhere"], 1, "error: no alley 'nowhere' in nanxing"),
    ],
)
def test_unknown_street_or_alley(
    db_url: str,
    roster: ImportReport,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    code: int,
    message: str,
) -> None:
    config = write_config(tmp_path, db_url)
    out = tmp_path / "boards"
    assert main(["signboards", *extra, "-o", str(out), "--config", config]) == code
    assert capsys.readouterr().err.strip() == message
    assert not out.exists()  # nothing written


def test_an_output_that_is_a_file(
    db_url: str, roster: ImportReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, db_url)
    taken = tmp_path / "taken"
    taken.write_text("x")
    args = ["signboards", "--street", "nanxing", "-o", str(taken), "--config", config]
    assert main(args) == 1
    assert capsys.readouterr().err.strip() == f"error: {taken}: not a directory"


def test_refused_without_public_url(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, db_url, public_url=None)
    out = tmp_path / "boards"
    assert main(["signboards", "--street", "nanxing", "-o", str(out), "--config", config]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {config}: [web] public_url: required for signboards")
    assert err.count("\n") == 1 and not out.exists()


async def test_the_code_opens_the_alleys_report_page_until_rotated(
    db_url: str, roster: ImportReport, api: FakeBotApi
) -> None:
    """End to end: the QR code read off the PDF is fetched from the running bot's web server."""
    import httpx

    from tests.harness import bot_running

    async with bot_running(db_url, api, web={"enabled": True, "port": 0}) as harness:
        assert harness.app.web_server is not None
        local = f"http://127.0.0.1:{harness.app.web_server.port}"
        db = Database(db_url)
        try:
            shown = await board_of(db, "fuxing-jie")
            _text, [url] = pdf_text_and_codes(render_pdf(shown, local))
            async with httpx.AsyncClient(timeout=30) as client:
                page = await client.get(url)
                assert page.status_code == 200 and "复兴街" in page.text
                async with db.session() as session:
                    row = (
                        await session.exec(select(Alley).where(Alley.code == "fuxing-jie"))
                    ).one()
                    await board_token(session, row, rotate=True)
                old = await client.get(url)
                assert old.status_code == 404  # the old board's code: "no longer in use"
                new = (await board_of(db, "fuxing-jie")).url(local)
                assert (await client.get(new)).status_code == 200
        finally:
            await db.dispose()
