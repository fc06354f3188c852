"""python -m bot: the command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import TOKEN_ENV, Config, ConfigError, load_config

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

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    with_config(db_commands.add_parser("upgrade", help="apply pending migrations"))
    with_config(db_commands.add_parser("current", help="show the schema revision"))
    return parser


def _prepare_database(config: Config) -> None:
    from models import migrate

    if config.database.auto_upgrade:
        migrate.upgrade(config.database.url)
    elif not migrate.is_up_to_date(config.database.url):
        raise ConfigError(
            f"{config.source}: [database] the schema is out of date; "
            "run 'python -m bot db upgrade' or set auto_upgrade = true"
        )


def _run(config: Config) -> int:
    from telegram import Update

    from bot.app import build_application
    from bot.logs import setup_logging

    if not config.token:
        raise ConfigError(
            f"{config.source}: [telegram] token: required to run; set it or {TOKEN_ENV}"
        )
    setup_logging(config.app.log_level, config.token)
    _prepare_database(config)
    application = build_application(config)
    log.info("LaneKeeper %s starting (long polling)", __version__)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(db_path=args.db, fresh=args.fresh, lang=args.lang)
        config = load_config(args.config)
        if args.command == "run":
            return _run(config)
        return _db(args, config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
