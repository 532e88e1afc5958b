"""The Looker project (`lookml/`) and what proves it without a Looker instance.

`contracts` reads the dbt marts' contracts, `generate` writes one view per mart from them,
`project` parses every LookML file with lkml and resolves every reference, `compiler` turns an
explore query (a dashboard tile) into BigQuery SQL and translates it for DuckDB with sqlglot,
`validate` runs every tile on a warehouse. See docs/lookml.md.
"""
