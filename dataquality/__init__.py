"""Great Expectations suites over the landed tables and the marts, and the checkpoints that run them.

`dataquality.run.run_checkpoint(url, checkpoint)` reads the tables the suites guard from the
warehouse a URL names (`streamqoe.warehouse.open_warehouse`: DuckDB file or BigQuery, emulator
included), hands them to GX as pandas batches, runs the checkpoint's validation definitions with their
actions (Data Docs, an optional Slack-style webhook) and returns a summary. Suites are code
(`dataquality/suites/`), the GX context is rebuilt from code on every run, thresholds are
configuration (`dataquality/thresholds.py`). dbt tests guard model logic; nothing here repeats one.
"""

import os

# Set before any submodule imports GX: no usage analytics leave the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
