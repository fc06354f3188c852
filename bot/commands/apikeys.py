"""python -m bot apikey create|list|revoke: keys for other systems using Open311."""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, cli_i18n, prepare_database, with_session
from models.clock import SystemClock
from models.members import street_by_code
from models.open311 import ApiKey, ApiKeyError, create_key, list_keys, revoke_key
from services.config import Config


async def _create(
    session: AsyncSession, name: str, streets: list[str], read_only: bool
) -> tuple[ApiKey, str]:
    for code in streets:
        if await street_by_code(session, code) is None:
            raise CommandError(f"no street {code!r}")
    try:
        return await create_key(session, name, streets, read_only, SystemClock().now())
    except ApiKeyError as err:
        raise CommandError(str(err)) from None


def create_command(config: Config, name: str, streets: list[str], read_only: bool) -> int:
    prepare_database(config)
    key, secret = asyncio.run(with_session(config, lambda s: _create(s, name, streets, read_only)))
    _ = cli_i18n(config).gettext
    scope = ", ".join(key.streets) if key.streets else _("every street")
    access = _("read only") if key.read_only else _("read and file cases")
    print(
        _("API key {name!r} ({scope}; {access}). It is shown this once; keep it safe:").format(
            name=key.name, scope=scope, access=access
        )
    )
    print(f"  {secret}")
    return 0


def list_command(config: Config) -> int:
    prepare_database(config)
    keys = asyncio.run(with_session(config, list_keys))
    if not keys:
        print(cli_i18n(config).gettext("No API keys."))
        return 0
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}Z" if key.last_used_at else "-"
        print(
            f"{key.name}\t{key.hint}…\t{','.join(key.streets) or '*'}\t"
            f"{'read-only' if key.read_only else 'read-write'}\t{state}\tlast used {used}"
        )
    return 0


def revoke_command(config: Config, name: str) -> int:
    prepare_database(config)
    key = asyncio.run(with_session(config, lambda s: revoke_key(s, name, SystemClock().now())))
    if key is None:
        raise CommandError(f"no API key named {name!r}")
    print(cli_i18n(config).gettext("API key {name!r} revoked.").format(name=name))
    return 0
