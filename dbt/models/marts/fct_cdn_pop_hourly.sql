{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='cdn_pop_hourly_key',
        on_schema_change='append_new_columns',
        partition_by={'field': 'request_date', 'data_type': 'date'},
        cluster_by=['cdn', 'pop'],
    )
}}

{#
  From the CDN logs themselves (not the pipeline's per-minute panes). Requests never change once
  landed, so an incremental run recomputes every hour that received a request since the last run
  and merges it; no breakdown can disappear.
#}

with

requests as (

    select
        *,
        {{ dbt.date_trunc('hour', 'request_at') }} as request_hour_at
    from {{ ref('stg_cdn__requests') }}

),

{% if is_incremental() %}
changed_hours as (

    select distinct request_hour_at
    from requests
    where {{ landed_since_last_run('ingested_at', 'last_ingested_at') }}

),
{% endif %}

aggregated as (

    select
        {{ surrogate_key(['request_hour_at', 'cdn', 'pop']) }} as cdn_pop_hourly_key,
        request_hour_at,
        cast(request_hour_at as date) as request_date,
        cdn,
        pop,
        count(*) as request_count,
        {{ sum_integer('case when has_cmcd_session then 1 else 0 end') }} as cmcd_request_count,
        count(distinct view_id) as view_count,
        coalesce({{ sum_integer('bytes_sent') }}, 0) as bytes_sent,
        {{ sum_integer('case when is_cache_hit then 1 else 0 end') }} as cache_hit_count,
        {{ sum_integer('case when is_cache_miss then 1 else 0 end') }} as cache_miss_count,
        {{ sum_integer('case when is_error then 1 else 0 end') }} as error_count,
        {{ sum_integer('case when has_cmcd_buffer_starvation then 1 else 0 end') }}
            as buffer_starvation_request_count,
        coalesce(sum(ttfb_ms), 0) as total_ttfb_ms,
        count(ttfb_ms) as ttfb_sample_count,
        coalesce(sum(case when bytes_sent is not null then time_taken_ms end), 0)
            as transfer_time_ms,
        max(ingested_at) as last_ingested_at
    from requests
    {% if is_incremental() %}
    where request_hour_at in (select request_hour_at from changed_hours)
    {% endif %}
    group by request_hour_at, cdn, pop

),

final as (

    select
        cdn_pop_hourly_key,
        request_hour_at,
        request_date,
        cdn,
        pop,
        request_count,
        cmcd_request_count,
        view_count,
        bytes_sent,
        cache_hit_count,
        cache_miss_count,
        error_count,
        buffer_starvation_request_count,
        total_ttfb_ms,
        ttfb_sample_count,
        transfer_time_ms,
        {{ ratio('cache_hit_count', 'cache_hit_count + cache_miss_count') }}
            as cache_hit_ratio,
        {{ ratio('error_count', 'request_count') }} as error_rate,
        {{ ratio('total_ttfb_ms', 'ttfb_sample_count') }} as avg_ttfb_ms,
        {{ ratio('bytes_sent * 8', 'transfer_time_ms') }} as delivery_throughput_kbps,
        last_ingested_at
    from aggregated

)

select * from final
