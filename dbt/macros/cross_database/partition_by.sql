{#
  Marts declare BigQuery's partitioning, `partition_by={'field': ..., 'data_type': 'date'}`.
  dbt-duckdb (1.11) reads the same `partition_by` key for DuckLake tables and rejects a dict, so
  this override of its macro ignores the BigQuery form (a DuckDB file has no partitions; nothing is
  lost) and hands every other form to the adapter's own macro.
#}
{% macro duckdb__get_partitioned_by(relation, temporary) -%}
  {%- set raw = config.get('partitioned_by', none) or config.get('partition_by', none) -%}
  {%- if raw is mapping -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(dbt.duckdb__get_partitioned_by(relation, temporary)) }}
{%- endmacro %}
