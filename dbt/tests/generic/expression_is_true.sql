{#
  Every row satisfies a boolean SQL expression (rows where it is false or null fail), as
  dbt_utils.expression_is_true. Used at model level for invariants between columns.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(
    {% if column_name is not none %}{{ column_name }} {% endif %}{{ expression }},
    false
)

{% endtest %}
