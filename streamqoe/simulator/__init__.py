"""Traffic simulator with ground truth: players, CMCD, CDN logs and transcode events in real formats.

Python API: `simulate(SimConfig(...), out_dir)` (files) and `publish(SimConfig(...), speed=...)`
(Pub/Sub stream). See docs/simulator.md.
"""

from streamqoe.simulator.config import FaultRates, SimConfig

__all__ = ["FaultRates", "SimConfig"]
