{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='qoe_minute_key',
        on_schema_change='append_new_columns',
        partition_by={'field': 'window_date', 'data_type': 'date'},
        cluster_by=['dimension', 'dimension_value'],
    )
}}

{#
  The pipelines' live-monitoring minutes (qoe_minute), one row per minute and breakdown value: the
  pane stg_player__qoe_minutes keeps (highest version, then latest updated_at, then latest
  ingested_at). It places rebuffering in the minute it happened, where the per-view marts would
  smear it over whole views. Numerators and denominators are kept, so any coarser rollup (10
  minutes, an incident's span, a day) is sum over sum. An incremental run merges the minutes whose
  kept pane landed since the last run: a later pane of a minute replaces the earlier one.
#}

with

minutes as (

    select * from {{ ref('stg_player__qoe_minutes') }}
    {% if is_incremental() %}
    where {{ landed_since_last_run('ingested_at') }}
    {% endif %}

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['window_start_at', 'dimension', 'dimension_value']) }}
            as qoe_minute_key,
        dimension,
        dimension_value,

        ----------  dates
        cast(window_start_at as date) as window_date,

        ----------  numerics
        concurrent_play_count,
        play_attempt_count,
        video_start_count,
        startup_time_p50_ms,
        startup_time_p95_ms,
        playing_time_ms,
        rebuffer_duration_ms,
        rebuffer_count,
        video_start_failure_count,
        video_playback_failure_count,
        exit_before_video_start_count,
        {{ ratio('rebuffer_duration_ms', 'playing_time_ms + rebuffer_duration_ms') }}
            as rebuffer_ratio,
        qoe_minute_version,

        ----------  booleans
        is_final,

        ----------  timestamps
        window_start_at,
        window_end_at,
        updated_at,
        ingested_at

    from minutes

)

select * from final
