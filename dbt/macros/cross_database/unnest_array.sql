{#
  The FROM-clause item that turns a REPEATED column (BigQuery ARRAY<STRUCT>, DuckDB STRUCT[]) into
  one row per element, the element named `alias` so that `alias.field` reads a field on both.

    from {{ ref('stg_transcode__jobs') }} as jobs
    cross join {{ unnest_array('jobs.outputs', 'output') }}

  BigQuery: `unnest(arr) as output` names the element. DuckDB: `unnest(arr) as output` would name
  the table, so the element needs a column alias, `as _output(output)`. Rows whose array is empty
  produce no rows on both (a cross join), as BigQuery documents.
#}
{% macro unnest_array(array_column, alias) -%}
  {{ return(adapter.dispatch('unnest_array', 'streamqoe')(array_column, alias)) }}
{%- endmacro %}

{% macro default__unnest_array(array_column, alias) -%}
  unnest({{ array_column }}) as {{ alias }}
{%- endmacro %}

{% macro duckdb__unnest_array(array_column, alias) -%}
  unnest({{ array_column }}) as _{{ alias }}({{ alias }})
{%- endmacro %}
