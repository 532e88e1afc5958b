"""The demo's QoE report: figures read from the dbt marts, a terminal summary and an HTML report.

It reads only the marts (never the landed tables), the way an analyst or Looker would, so what it
shows is what the models compute. It runs on the embedded DuckDB warehouse; on BigQuery the same
figures come from Looker (lookml/).
"""
