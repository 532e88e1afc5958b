{#
  A stable hash key from several columns (nulls and empty strings kept apart), through dbt.hash so
  it compiles on every adapter. Keys are not comparable across adapters (timestamps render
  differently as strings); they identify rows within one warehouse.

  The parts are joined with the SQL `||` operator, valid on BigQuery and DuckDB, rather than
  dbt.concat: BigQuery's CONCAT() makes the bqemulator (1.4.0) translator re-qualify the whole
  statement, after which DuckDB reads `cmcd.sid` (a RECORD field) as table `cmcd`.
#}
{% macro surrogate_key(columns) -%}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
  {%- endfor -%}
  {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{#
  The device key shared by fct_views, dim_device and the session rollup: the device attributes a
  view reports, '(unknown)' for each one it does not. Computed downstream of staging (staging
  models that read RECORD columns stay free of string concatenation; see docs/dbt.md).
#}
{% macro device_id(relation_alias=none) -%}
  {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
  {{ surrogate_key([
      "coalesce(" ~ prefix ~ "device_type, '(unknown)')",
      "coalesce(" ~ prefix ~ "os_name, '(unknown)')",
      "coalesce(" ~ prefix ~ "browser_name, '(unknown)')",
      "coalesce(" ~ prefix ~ "player_name, '(unknown)')",
      "coalesce(" ~ prefix ~ "player_version, '(unknown)')",
      "coalesce(" ~ prefix ~ "app_name, '(unknown)')",
  ]) }}
{%- endmacro %}
