{#
  Cast to the adapter's 8-byte float: FLOAT64 on BigQuery, DOUBLE on DuckDB (DuckDB's FLOAT is
  4 bytes, so dbt.type_float() is not it). The name lives in the `float_type` var of
  dbt_project.yml, which the marts' contracts use as their `data_type` too.
#}
{% macro to_float(expression) -%}
  cast({{ expression }} as {{ var('float_type')[target.type] }})
{%- endmacro %}

{#
  Sum integers as an 8-byte integer: BigQuery's SUM(INT64) is INT64, DuckDB's SUM(BIGINT) is a
  HUGEINT (128-bit), which the marts' `bigint` contracts would reject.
#}
{% macro sum_integer(expression) -%}
  cast(sum({{ expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
