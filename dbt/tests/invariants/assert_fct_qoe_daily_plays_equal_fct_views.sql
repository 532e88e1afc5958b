-- Views in fct_views equal plays summed in fct_qoe_daily, per day (rows returned are failures).

with

views as (

    select view_date, count(*) as view_count
    from {{ ref('fct_views') }}
    group by view_date

),

rollup as (

    select view_date, sum(view_count) as view_count
    from {{ ref('fct_qoe_daily') }}
    group by view_date

),

compared as (

    select
        coalesce(views.view_date, rollup.view_date) as view_date,
        coalesce(views.view_count, 0) as fct_views_count,
        coalesce(rollup.view_count, 0) as fct_qoe_daily_count
    from views
    full outer join rollup
        on views.view_date = rollup.view_date

)

select * from compared
where fct_views_count != fct_qoe_daily_count
