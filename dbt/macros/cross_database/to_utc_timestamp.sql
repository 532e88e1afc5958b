{#
  A landed TIMESTAMP as a UTC timestamp every model can truncate and compare the same way.

  BigQuery's TIMESTAMP is an absolute instant and all its functions work in UTC: unchanged.
  DuckDB lands TIMESTAMPTZ, whose date_trunc, cast to date and extract follow the session's
  TimeZone; we convert it to a plain TIMESTAMP holding the UTC wall-clock time, so the marts'
  `timestamp` contract type is the same on both adapters. Staging models call this once per column.
#}
{% macro to_utc_timestamp(column) -%}
  {{ return(adapter.dispatch('to_utc_timestamp', 'streamqoe')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
  {{ column }}
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
  timezone('UTC', {{ column }})
{%- endmacro %}
