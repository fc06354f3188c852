"""LaneKeeper 巷管家: the composition root (configuration, CLI, application assembly, i18n)."""

__version__ = "0.1.0"
