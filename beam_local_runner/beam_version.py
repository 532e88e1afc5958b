"""The one Beam version these fixes were written for, checked before anything is patched.

Every fix here replaces or hooks private code of Beam's local streaming runner (module functions
and methods whose names start with `_`, a test-only evaluator override hook), which Beam may
change in any release without notice. A replaced method copied from 2.77 and run against another
version's runner could silently compute something else, so the package refuses any other
version: `beam_local_runner` checks it on import (before its submodules import Beam's private
names) and every function that patches checks it again at call time.

To move to a new Beam version: re-read each upstream location named in the docstrings of
pubsub_read.py, state_keeper.py and tuning.py in the new release, delete the fixes Beam no longer
needs (each says when), update the others, run tests/pipelines/test_local_runner.py,
tests/pipelines/test_streaming_semantics.py and `python -m bench.streaming`, then change
SUPPORTED_BEAM_VERSION together with the pin in pyproject.toml.
"""

from __future__ import annotations

import apache_beam

SUPPORTED_BEAM_VERSION = "2.77.0"


class UnsupportedBeamVersion(RuntimeError):
    """The installed Beam is not the version beam_local_runner's fixes were written for."""


def check_beam_version() -> None:
    """Raise UnsupportedBeamVersion unless the installed Beam is SUPPORTED_BEAM_VERSION."""
    found = getattr(apache_beam, "__version__", None)
    if found != SUPPORTED_BEAM_VERSION:
        raise UnsupportedBeamVersion(
            f"beam_local_runner fixes Beam {SUPPORTED_BEAM_VERSION}'s local streaming runner "
            f"(BundleBasedDirectRunner) by patching its private internals, but Beam {found} is "
            "installed; nothing was patched. Run the pipeline on a runner that needs none of "
            "these fixes (e.g. --runner DataflowRunner, or PrismRunner where it supports the "
            "pipeline), or update the fixes for this Beam version (see "
            "beam_local_runner/beam_version.py) and then SUPPORTED_BEAM_VERSION."
        )
