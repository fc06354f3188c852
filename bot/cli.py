"""python -m bot: the command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DatabaseError, OperationalError

from bot import __version__
from bot.commands.common import CommandError, SetupError, database_problem, prepare_database
from bot.logs import redact
from models.org import Role
from services.config import TOKEN_ENV, Config, ConfigError, load_config

log = logging.getLogger("bot")

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="LaneKeeper 巷管家: keep a street's back streets and alleys in order, "
        "with its ten-in-one linkage group, on Telegram.",
    )
    parser.add_argument("--version", action="version", version=f"LaneKeeper {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def with_config(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--config", metavar="FILE", help="configuration file (see config.example.toml)"
        )
        return sub

    with_config(commands.add_parser("run", help="run the bot on Telegram (long polling)"))
    demo = commands.add_parser(
        "demo", help="the sandbox: chat with the bot offline, as residents and members"
    )
    demo.add_argument(
        "--db", metavar="PATH", default="sandbox.db", help="SQLite file (default: %(default)s)"
    )
    demo.add_argument("--fresh", action="store_true", help="start from an empty database")
    demo.add_argument("--lang", choices=["zh_CN", "en"], help="language of the sandbox's own words")

    roster = commands.add_parser("roster", help="import or export a street's linkage group")
    roster_commands = roster.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    roster_import = with_config(
        roster_commands.add_parser("import", help="import a roster file (docs/roster.md)")
    )
    roster_import.add_argument("file", metavar="FILE")
    roster_export = with_config(
        roster_commands.add_parser("export", help="write a street's roster (TOML)")
    )
    roster_export.add_argument("--street", required=True, metavar="CODE")
    roster_export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")

    invite = commands.add_parser("invite", help="invitation links into a linkage group")
    invite_commands = invite.add_subparsers(dest="invite_command", metavar="ACTION", required=True)
    create = with_config(invite_commands.add_parser("create", help="create an invitation"))
    create.add_argument("--street", required=True, metavar="CODE")
    create.add_argument("--member", metavar="NAME", help="a roster member who has not joined")
    create.add_argument("--role", choices=[r.value for r in Role])
    create.add_argument("--party", metavar="CODE")
    create.add_argument("--community", action="append", default=[], metavar="CODE")
    create.add_argument("--block", action="append", default=[], metavar="CODE")
    create.add_argument("--alley", action="append", default=[], metavar="CODE")
    create.add_argument("--days", type=float, default=7, help="valid for (default: 7)")
    create.add_argument("--uses", type=int, default=1, help="0: unlimited (default: 1)")
    listing = with_config(invite_commands.add_parser("list", help="a street's invitations"))
    listing.add_argument("--street", required=True, metavar="CODE")
    revoking = with_config(invite_commands.add_parser("revoke", help="withdraw an invitation"))
    revoking.add_argument("id", type=int, metavar="ID")

    apikey = commands.add_parser("apikey", help="API keys for Open311 clients (docs/open311.md)")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", metavar="ACTION", required=True)
    key_create = with_config(
        apikey_commands.add_parser("create", help="a new key, printed once (kept hashed)")
    )
    key_create.add_argument("--name", required=True, help="the channel its cases are filed under")
    key_create.add_argument(
        "--street", action="append", default=[], metavar="CODE", help="limit to (repeatable)"
    )
    key_create.add_argument("--read-only", action="store_true", help="may read, not file")
    with_config(apikey_commands.add_parser("list", help="the keys (never the keys themselves)"))
    key_revoke = with_config(apikey_commands.add_parser("revoke", help="withdraw a key"))
    key_revoke.add_argument("name", metavar="NAME")

    explain = with_config(
        commands.add_parser(
            "explain", help="show how texts would be classified, located and routed (JSON lines)"
        )
    )
    explain.add_argument("--street", required=True, metavar="CODE")
    explain.add_argument("--lat", type=float)
    explain.add_argument("--lon", type=float)
    explain.add_argument("--file", metavar="FILE", help="one text per line")
    explain.add_argument("text", nargs="?", metavar="TEXT")

    intake = commands.add_parser("intake", help="the learned readers of reports")
    intake_commands = intake.add_subparsers(dest="intake_command", metavar="ACTION", required=True)
    retraining = with_config(
        intake_commands.add_parser(
            "retrain",
            help="retrain from the shipped reports and each street's corrections; a new model "
            "replaces the one in force only if it reads held-back corrections at least as well",
        )
    )
    retraining.add_argument("--street", metavar="CODE", help="default: every street")
    with_config(
        intake_commands.add_parser(
            "status", help="the models in force: date, examples, threshold, measured accuracy"
        )
    )

    cases = commands.add_parser("cases", help="the cases as data")
    cases_commands = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    cases_export = with_config(cases_commands.add_parser("export", help="export cases"))
    cases_export.add_argument("--street", metavar="CODE", help="default: every street")
    cases_export.add_argument(
        "--format",
        choices=["json", "csv"],
        default="json",
        help="csv: UTF-8 with a byte order mark (opens in Excel), headers in --lang, times in "
        "the street's time zone with their offset (default: %(default)s)",
    )
    cases_export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    cases_export.add_argument(
        "--lang", choices=["zh_CN", "en"], help="names and headers (default: default_locale)"
    )

    agenda = with_config(commands.add_parser("agenda", help="print a meeting's agenda"))
    agenda.add_argument("--street", required=True, metavar="CODE")
    agenda.add_argument("--community", metavar="CODE")
    agenda.add_argument("--kind", required=True, choices=["community_weekly", "street_monthly"])
    agenda.add_argument("--lang", choices=["zh_CN", "en"])
    agenda.add_argument(
        "--format",
        choices=["text", "pdf"],
        default="text",
        help="pdf: printable A4, with the chart and the action items (needs -o or a pipe)",
    )
    agenda.add_argument("--output", "-o", metavar="FILE", help="default: standard output")

    meetings = commands.add_parser("meetings", help="the coming meetings")
    meetings_commands = meetings.add_subparsers(
        dest="meetings_command", metavar="ACTION", required=True
    )
    meetings_list = with_config(meetings_commands.add_parser("list", help="next occurrences"))
    meetings_list.add_argument("--street", required=True, metavar="CODE")
    meetings_list.add_argument("--count", type=int, default=10)
    meetings_list.add_argument("--lang", choices=["zh_CN", "en"])

    report = commands.add_parser("report", help="the quantified assessment")
    report_commands = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    kpi = with_config(report_commands.add_parser("kpi", help="indicators and scores of a period"))
    kpi.add_argument("--street", required=True, metavar="CODE")
    kpi.add_argument("--from", dest="start", required=True, metavar="DATE")
    kpi.add_argument("--to", dest="end", required=True, metavar="DATE", help="inclusive")
    kpi.add_argument(
        "--format",
        choices=["json", "csv", "xlsx"],
        default="json",
        help="csv: UTF-8 with a byte order mark (opens in Excel); xlsx: both sheets, ranked, "
        "needs -o FILE or a pipe (default: %(default)s)",
    )
    kpi.add_argument(
        "--by",
        choices=["party", "community"],
        default="party",
        help="the rows of json and csv (xlsx has a sheet for each; default: %(default)s)",
    )
    kpi.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    kpi.add_argument(
        "--lang", choices=["zh_CN", "en"], help="headers and sheets (default: default_locale)"
    )

    awards = with_config(
        report_commands.add_parser(
            "awards", help="the year's ranking and the split of the reward fund (季评年奖)"
        )
    )
    awards.add_argument("--street", required=True, metavar="CODE")
    awards.add_argument("--year", required=True, type=int)
    awards.add_argument("--lang", choices=["zh_CN", "en"], help="default: default_locale")

    signboards = with_config(
        commands.add_parser(
            "signboards",
            help="the alleys' signboards (街巷长公示牌) with their QR codes, as PDFs "
            "(docs/signboards.md)",
        )
    )
    signboards.add_argument("--street", required=True, metavar="CODE")
    signboards.add_argument("--alley", metavar="CODE", help="default: every alley of the street")
    signboards.add_argument(
        "--output", "-o", required=True, metavar="DIR", help="writes DIR/<alley code>.pdf"
    )
    signboards.add_argument(
        "--rotate",
        action="store_true",
        help="new QR codes first: the boards printed before stop working",
    )

    with_config(
        commands.add_parser("doctor", help="check configuration, database, schema and the Bot API")
    )

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    with_config(db_commands.add_parser("upgrade", help="apply pending migrations"))
    with_config(db_commands.add_parser("current", help="show the schema revision"))
    return parser


def _run(config: Config) -> int:
    import asyncio

    from telegram.error import InvalidToken, TelegramError

    from bot.app import build_application, serve
    from bot.logs import setup_logging

    if not config.token:
        raise ConfigError(
            f"{config.source}: [telegram] token: required to run; set it or {TOKEN_ENV}"
        )
    if config.telegram.mode == "webhook" and not (
        config.telegram.webhook_url.startswith("https://")
        or config.telegram.webhook_url.startswith("http://")
    ):
        raise ConfigError(f"{config.source}: [telegram] webhook_url: required in webhook mode")
    if config.telegram.mode == "webhook" and not config.webhook_secret:
        raise ConfigError(
            f"{config.source}: [telegram] webhook_secret: required in webhook mode; "
            "set it or LANEKEEPER_WEBHOOK_SECRET"
        )
    setup_logging(config.app.log_level, config.token)
    prepare_database(config)
    application = build_application(config)
    log.info(
        "LaneKeeper %s starting (%s, through the inbox)",
        __version__,
        "webhook" if config.telegram.mode == "webhook" else "long polling",
    )
    try:
        asyncio.run(serve(application))
    except InvalidToken:
        raise SetupError(
            f"{config.source}: [telegram] token: Telegram rejected the token "
            f"(see @BotFather, or set {TOKEN_ENV})"
        ) from None
    except TelegramError as exc:
        raise SetupError(f"cannot use the Bot API at {config.telegram.base_url}: {exc}") from None
    except OSError as exc:  # e.g. the webhook's port is taken
        raise SetupError(f"cannot start: {exc}") from None
    log.info("LaneKeeper stopped")
    return 0


def _db(args: argparse.Namespace, config: Config) -> int:
    from models import migrate

    if args.db_command == "upgrade":
        migrate.upgrade(config.database.url)
        print(f"schema at {migrate.current_revision(config.database.url)}")
    else:
        current = migrate.current_revision(config.database.url)
        head = migrate.head_revision()
        state = "up to date" if current == head else f"behind (latest is {head})"
        print(f"{current or 'empty'}: {state}")
    return 0


def _invite(args: argparse.Namespace, config: Config) -> int:
    from bot.commands import invites

    if args.invite_command == "create":
        request = invites.InviteRequest(
            street=args.street,
            role=args.role,
            party=args.party,
            communities=args.community,
            blocks=args.block,
            alleys=args.alley,
            member=args.member,
            days=args.days,
            uses=args.uses or None,
        )
        return invites.create_command(config, request)
    if args.invite_command == "list":
        return invites.list_command(config, args.street)
    return invites.revoke_command(config, args.id)


def _fail(message: str, config: Config | None, code: int) -> int:
    """The one line a failed command prints; the token is masked whatever the message."""
    secret = config.token if config is not None else os.environ.get(TOKEN_ENV, "")
    print(f"error: {redact(message, secret)}", file=sys.stderr)
    return code


def _unusable_database(exc: DatabaseError) -> bool:
    """A database that cannot be reached, opened or written, not a bug in a query: SQLite
    reports a file that is no database as a bare DatabaseError."""
    return type(exc) in (OperationalError, DatabaseError)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config: Config | None = None
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(db_path=args.db, fresh=args.fresh, lang=args.lang)
        config = load_config(args.config)
        if args.command == "run":
            return _run(config)
        if args.command == "apikey":
            from bot.commands import apikeys

            if args.apikey_command == "create":
                return apikeys.create_command(config, args.name, args.street, args.read_only)
            if args.apikey_command == "list":
                return apikeys.list_command(config)
            return apikeys.revoke_command(config, args.name)
        if args.command == "doctor":
            from bot.commands.doctor import doctor_command

            return doctor_command(config)
        if args.command == "roster":
            from bot.commands import roster as roster_commands

            if args.roster_command == "import":
                return roster_commands.import_command(config, args.file)
            return roster_commands.export_command(config, args.street, args.output)
        if args.command == "invite":
            return _invite(args, config)
        if args.command == "signboards":
            from bot.commands.signboards import signboards_command

            return signboards_command(config, args.street, args.alley, args.output, args.rotate)
        if args.command == "report":
            from bot.commands.report import awards_command, kpi_command

            if args.report_command == "awards":
                return awards_command(config, args.street, args.year, args.lang)
            return kpi_command(
                config,
                args.street,
                args.start,
                args.end,
                args.format,
                args.by,
                args.output,
                args.lang,
            )
        if args.command in ("agenda", "meetings"):
            from bot.commands import meetings as meeting_commands

            if args.command == "agenda":
                return meeting_commands.agenda_command(
                    config,
                    args.street,
                    args.community,
                    args.kind,
                    args.lang,
                    fmt=args.format,
                    output=args.output,
                )
            return meeting_commands.list_command(config, args.street, args.lang, args.count)
        if args.command == "intake":
            from bot.commands import intake as intake_commands

            if args.intake_command == "retrain":
                return intake_commands.retrain_command(config, args.street)
            return intake_commands.status_command(config)
        if args.command in ("explain", "cases"):
            from bot.commands import cases as case_commands

            if args.command == "explain":
                return case_commands.explain_command(
                    config, args.street, args.text, args.file, args.lat, args.lon
                )
            return case_commands.export_command(
                config, args.street, args.format, args.output, args.lang
            )
        return _db(args, config)
    except ConfigError as exc:
        return _fail(str(exc), config, EXIT_CONFIG)
    except CommandError as exc:
        return _fail(str(exc), config, exc.exit_code)
    except DatabaseError as exc:
        if config is None or not _unusable_database(exc):
            raise
        problem = database_problem(config.database.url, exc)
        return _fail(f"{config.source}: [database] url: {problem}", config, EXIT_CONFIG)
    except KeyboardInterrupt:
        return 130
