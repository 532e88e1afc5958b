{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='qoe_daily_key',
        on_schema_change='append_new_columns',
        partition_by={'field': 'view_date', 'data_type': 'date'},
        cluster_by=['cdn', 'pop', 'content_id'],
    )
}}

{#
  Incremental runs recompute every day that received a new or changed view, whole, and merge it.
  A breakdown that existed before but has no view any more (a view's PoP or device changed in a
  later version) is merged back with zero counts, so sums over the table stay exact on both
  adapters without delete+insert or insert_overwrite.
#}

with

{% if is_incremental() %}
changed_dates as (

    select distinct view_date
    from {{ ref('fct_views') }}
    where {{ landed_since_last_run('ingested_at', 'last_ingested_at') }}

),
{% endif %}

views as (

    select
        view_date,
        coalesce(cdn, '(unknown)') as cdn,
        coalesce(pop, '(unknown)') as pop,
        coalesce(country, '(unknown)') as country,
        device_id,
        coalesce(device_type, '(unknown)') as device_type,
        coalesce(content_id, '(unknown)') as content_id,
        is_video_start,
        video_startup_time_ms,
        playing_time_ms,
        rebuffer_duration_ms,
        rebuffer_count,
        has_rebuffered,
        has_video_start_failure,
        has_video_playback_failure,
        is_exit_before_video_start,
        avg_bitrate_kbps,
        ingested_at
    from {{ ref('fct_views') }}
    {% if is_incremental() %}
    where view_date in (select view_date from changed_dates)
    {% endif %}

),

aggregated as (

    select
        {{ surrogate_key(['view_date', 'cdn', 'pop', 'country', 'device_id', 'content_id']) }}
            as qoe_daily_key,
        view_date,
        cdn,
        pop,
        country,
        device_id,
        device_type,
        content_id,
        count(*) as view_count,
        {{ sum_integer('case when is_video_start then 1 else 0 end') }} as video_start_count,
        coalesce({{ sum_integer('video_startup_time_ms') }}, 0) as total_video_startup_time_ms,
        count(video_startup_time_ms) as video_startup_time_sample_count,
        {{ sum_integer('playing_time_ms') }} as playing_time_ms,
        {{ sum_integer('rebuffer_duration_ms') }} as rebuffer_duration_ms,
        {{ sum_integer('rebuffer_count') }} as rebuffer_count,
        {{ sum_integer('case when has_rebuffered then 1 else 0 end') }} as rebuffered_view_count,
        {{ sum_integer('case when has_video_start_failure then 1 else 0 end') }}
            as video_start_failure_count,
        {{ sum_integer('case when has_video_playback_failure then 1 else 0 end') }}
            as video_playback_failure_count,
        {{ sum_integer('case when is_exit_before_video_start then 1 else 0 end') }}
            as exit_before_video_start_count,
        coalesce(
            {{ sum_integer('case when avg_bitrate_kbps is not null then playing_time_ms end') }}, 0
        )
            as bitrate_playing_time_ms,
        coalesce(sum(avg_bitrate_kbps * playing_time_ms), 0) as bitrate_kbps_playing_time_ms,
        max(ingested_at) as last_ingested_at
    from views
    group by view_date, cdn, pop, country, device_id, device_type, content_id

),

{% if is_incremental() %}
emptied as (

    -- Breakdowns of the recomputed days that no view has any more: kept, with zero counts.
    select
        qoe_daily_key, view_date, cdn, pop, country, device_id, device_type, content_id,
        0 as view_count,
        0 as video_start_count,
        0 as total_video_startup_time_ms,
        0 as video_startup_time_sample_count,
        0 as playing_time_ms,
        0 as rebuffer_duration_ms,
        0 as rebuffer_count,
        0 as rebuffered_view_count,
        0 as video_start_failure_count,
        0 as video_playback_failure_count,
        0 as exit_before_video_start_count,
        0 as bitrate_playing_time_ms,
        {{ to_float('0') }} as bitrate_kbps_playing_time_ms,
        last_ingested_at
    from {{ this }}
    where view_date in (select view_date from changed_dates)
        and qoe_daily_key not in (select qoe_daily_key from aggregated)

),

recomputed as (

    select * from aggregated
    union all
    select * from emptied

),
{% else %}
recomputed as (

    select * from aggregated

),
{% endif %}

final as (

    select
        qoe_daily_key,
        view_date,
        cdn,
        pop,
        country,
        device_id,
        device_type,
        content_id,
        view_count,
        video_start_count,
        total_video_startup_time_ms,
        video_startup_time_sample_count,
        playing_time_ms,
        rebuffer_duration_ms,
        rebuffer_count,
        rebuffered_view_count,
        video_start_failure_count,
        video_playback_failure_count,
        exit_before_video_start_count,
        bitrate_playing_time_ms,
        bitrate_kbps_playing_time_ms,
        {{ ratio('rebuffer_duration_ms', 'playing_time_ms + rebuffer_duration_ms') }}
            as rebuffer_ratio,
        {{ ratio('total_video_startup_time_ms', 'video_startup_time_sample_count') }}
            as avg_video_startup_time_ms,
        {{ ratio('video_start_failure_count', 'view_count') }} as video_start_failure_rate,
        {{ ratio('bitrate_kbps_playing_time_ms', 'bitrate_playing_time_ms') }}
            as avg_bitrate_kbps,
        last_ingested_at
    from recomputed

)

select * from final
