-- Playing and rebuffering time summed in fct_qoe_daily equal the same sums over fct_views.

with

views as (

    select
        {{ sum_integer('playing_time_ms') }} as playing_time_ms,
        {{ sum_integer('rebuffer_duration_ms') }} as rebuffer_duration_ms
    from {{ ref('fct_views') }}

),

rollup as (

    select
        {{ sum_integer('playing_time_ms') }} as playing_time_ms,
        {{ sum_integer('rebuffer_duration_ms') }} as rebuffer_duration_ms
    from {{ ref('fct_qoe_daily') }}

)

select *
from views
cross join rollup
where coalesce(views.playing_time_ms, 0) != coalesce(rollup.playing_time_ms, 0)
    or coalesce(views.rebuffer_duration_ms, 0) != coalesce(rollup.rebuffer_duration_ms, 0)
