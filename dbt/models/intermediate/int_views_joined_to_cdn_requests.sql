{#
  One row per view that CDN requests can be attributed to: the requests whose CMCD session id (sid)
  is the view id and that the edge received during the view (with a slack for clock skew and
  second-precision logs), rolled up to the view.
#}
{% set slack_seconds = var('view_request_slack_seconds', 60) %}

with

views as (

    select
        view_id,
        started_at,
        coalesce(ended_at, last_event_at) as view_end_at
    from {{ ref('stg_player__views') }}

),

requests as (

    select * from {{ ref('stg_cdn__requests') }}
    where has_cmcd_session

),

requests_during_views as (

    select
        views.view_id,
        requests.cdn,
        requests.pop,
        requests.client_asn,
        requests.bytes_sent,
        requests.time_taken_ms,
        requests.ttfb_ms,
        requests.is_cache_hit,
        requests.is_cache_miss,
        requests.is_error,
        requests.has_cmcd_buffer_starvation,
        requests.cmcd_object_type
    from views
    inner join requests
        on requests.view_id = views.view_id
        and requests.request_at >= views.started_at - interval {{ slack_seconds }} second
        and requests.request_at <= views.view_end_at + interval {{ slack_seconds }} second

),

requests_per_pop as (

    select
        view_id,
        cdn,
        pop,
        count(*) as request_count,
        row_number() over (
            partition by view_id
            order by count(*) desc, cdn, pop
        ) as pop_rank
    from requests_during_views
    group by view_id, cdn, pop

),

edge_pops as (

    select
        view_id,
        cdn as edge_cdn,
        pop as edge_pop
    from requests_per_pop
    where pop_rank = 1

),

rolled_up as (

    select
        view_id,
        count(*) as request_count,
        {{ sum_integer("case when cmcd_object_type in ('v', 'av', 'a') then 1 else 0 end") }}
            as media_request_count,
        {{ sum_integer('case when is_cache_hit then 1 else 0 end') }} as cache_hit_count,
        {{ sum_integer('case when is_cache_miss then 1 else 0 end') }} as cache_miss_count,
        {{ sum_integer('case when is_error then 1 else 0 end') }} as error_count,
        {{ sum_integer('case when has_cmcd_buffer_starvation then 1 else 0 end') }}
            as buffer_starvation_request_count,
        count(distinct pop) as edge_pop_count,
        coalesce({{ sum_integer('bytes_sent') }}, 0) as bytes_sent,
        coalesce(sum(case when bytes_sent is not null then time_taken_ms end), 0)
            as transfer_time_ms,
        coalesce(sum(ttfb_ms), 0) as total_ttfb_ms,
        count(ttfb_ms) as ttfb_sample_count
    from requests_during_views
    group by view_id

),

joined as (

    select
        rolled_up.*,
        edge_pops.edge_cdn,
        edge_pops.edge_pop
    from rolled_up
    inner join edge_pops
        on rolled_up.view_id = edge_pops.view_id

)

select * from joined
