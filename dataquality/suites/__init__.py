"""Every suite, by name: generated schema suites for the landed tables, then one module per table.

`all_suites()` is the registry the checkpoints and the CLI select from.
"""

from __future__ import annotations

from dataquality.suites import (
    cdn_requests,
    dead_letters,
    fct_qoe_daily,
    fct_views,
    player_events,
    transcode_jobs,
    views,
)
from dataquality.suites.base import GuardedSuite
from dataquality.suites.schema import schema_suites

_MODULES = (
    views,
    player_events,
    cdn_requests,
    transcode_jobs,
    dead_letters,
    fct_views,
    fct_qoe_daily,
)


def all_suites() -> dict[str, GuardedSuite]:
    """Suite name -> suite, in a stable order."""
    suites = [*schema_suites(), *(s for m in _MODULES for s in m.SUITES)]
    return {s.name: s for s in suites}
