"""LaneKeeper 巷管家: the composition root (configuration, CLI, application assembly, i18n)."""

import os

# Opt in now to what python-telegram-bot 23 makes the default (durations as timedelta),
# so that upgrading changes nothing and no deprecation warning reaches the logs.
os.environ.setdefault("PTB_TIMEDELTA", "1")

__version__ = "0.1.0"
