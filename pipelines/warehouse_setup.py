"""What both pipelines do to the warehouse before their first bundle lands: create its tables.

Kept apart from the entry modules so that batch and streaming share it without importing each other.
"""

from __future__ import annotations

from streamqoe.warehouse import open_warehouse


def prepare_warehouse(url: str) -> None:
    """Create the contract tables in the warehouse (idempotent) before any bundle lands."""
    with open_warehouse(url) as warehouse:
        warehouse.ensure_tables()
