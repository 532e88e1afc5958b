"""`uv run python -m bench.streaming freshness|state ...` (see bench.streaming)."""

import sys

from bench.streaming.cli import main

sys.exit(main())
