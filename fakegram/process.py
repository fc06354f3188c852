"""`python -m bot run` as its own process, talking to a fake Bot API over loopback.

What the kill test, the run test and the start-up benchmark share: a configuration that
points the bot at the fake, and the bot started with it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from fakegram.loopback import LoopbackServer


def write_config(
    folder: Path,
    server: LoopbackServer,
    database_url: str,
    *,
    log_level: str = "WARNING",
    rate_limiter: bool = True,
) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{server.base_url}"\nbase_file_url = "{server.base_file_url}"\n'
        f"rate_limiter = {'true' if rate_limiter else 'false'}\n"
        f'[database]\nurl = "{database_url}"\n[app]\nlog_level = "{log_level}"\n',
        encoding="utf-8",
    )
    return config


async def start_bot(
    config: Path, token: str, *, capture: bool = False
) -> asyncio.subprocess.Process:
    """The bot, run from the configuration's folder; its output piped when `capture`."""
    output = asyncio.subprocess.PIPE if capture else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdout=output,
        stderr=output,
        env={**os.environ, "LANEKEEPER_TOKEN": token},
        cwd=config.parent,
    )
