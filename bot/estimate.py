"""The overrun record for the bot's skills; the estimating engine itself is ``estimating``."""

from estimating import RatioStats as OverrunStats
from estimating import overrun

__all__ = ["OverrunStats", "overrun"]
