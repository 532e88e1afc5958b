{#
  The one ratio of the project: numerator / denominator as an 8-byte float, null when the
  denominator is 0 or null. Every mart that computes a ratio calls it, on sums (a rollup is sum
  over sum, never an average of per-row ratios):

    {{ ratio('rebuffer_duration_ms', 'playing_time_ms + rebuffer_duration_ms') }}

  Same result on both adapters: both sides are cast with to_float() (DOUBLE on DuckDB, FLOAT64 on
  BigQuery) so the division is the same IEEE double division whatever the argument types (DuckDB
  sums integers as HUGEINT); division by zero, NULL on DuckDB but an error on BigQuery, is guarded
  by nullif(denominator, 0), so a zero denominator gives NULL on both. One expression is valid on
  both, so there is no adapter dispatch.
#}
{% macro ratio(numerator, denominator) -%}
  {{ to_float(numerator) }} / nullif({{ to_float(denominator) }}, 0)
{%- endmacro %}
