{#
  The filter every incremental model uses: rows landed since the latest row the model already holds,
  minus `incremental_lookback_hours` (rows committed out of ingested_at order, e.g. BigQuery's
  streaming buffer, are picked up by the next run; `merge` on the unique key makes the overlap
  harmless). `timestamp - interval N hour` is valid SQL on BigQuery and DuckDB alike.

    where {{ landed_since_last_run('ingested_at') }}
#}
{% macro landed_since_last_run(column, this_column=none) -%}
  {{ column }} >= (
      select max({{ this_column or column }}) - interval {{ var('incremental_lookback_hours') }} hour
      from {{ this }}
  )
{%- endmacro %}
