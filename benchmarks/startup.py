"""Start-up: from `python -m bot run` to the first getUpdates, and the memory when idle.

python -m benchmarks.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from fakegram import FakeBotApi, serve_loopback
from fakegram.process import start_bot, write_config
from models import migrate

TOKEN = "123456:BENCH"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def once(folder: Path) -> tuple[float, float]:
    api = FakeBotApi(token=TOKEN)
    server = serve_loopback(api)
    config = write_config(folder, server, f"sqlite:///{folder / 'bench.db'}")
    started = time.perf_counter()
    process = await start_bot(config, TOKEN)
    await asyncio.wait_for(api.polled.wait(), timeout=60)
    ready = time.perf_counter() - started
    await asyncio.sleep(2)  # idle: what a waiting bot holds, after start-up settles
    memory = rss_mib(process.pid)
    process.terminate()
    await process.wait()
    await server.close()
    return ready, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        migrate.upgrade(f"sqlite:///{Path(folder) / 'bench.db'}")  # a deployed, current schema
        results = [asyncio.run(once(Path(folder))) for _ in range(args.runs)]
    ready = [r for r, _m in results]
    memory = [m for _r, m in results]
    print(f"runs: {args.runs}")
    print(
        f"to polling: median {statistics.median(ready):.2f} s (min {min(ready):.2f}, "
        f"max {max(ready):.2f})"
    )
    print(f"idle RSS: median {statistics.median(memory):.0f} MiB")


if __name__ == "__main__":
    main()
