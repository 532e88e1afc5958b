-- Requests summed in fct_cdn_pop_hourly equal the deduplicated requests in staging.

with

staged as (

    select count(*) as request_count from {{ ref('stg_cdn__requests') }}

),

rollup as (

    select coalesce({{ sum_integer('request_count') }}, 0) as request_count
    from {{ ref('fct_cdn_pop_hourly') }}

)

select *
from staged
cross join rollup
where staged.request_count != rollup.request_count
