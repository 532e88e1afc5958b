{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='view_id',
        on_schema_change='append_new_columns',
        partition_by={'field': 'view_date', 'data_type': 'date'},
        cluster_by=['content_id', 'cdn'],
    )
}}

with

views as (

    select * from {{ ref('stg_player__views') }}
    {% if is_incremental() %}
    where {{ landed_since_last_run('ingested_at') }}
    {% endif %}

),

renditions as (

    select * from {{ ref('int_views_rolled_up_to_renditions') }}

),

final as (

    select
        ----------  ids
        views.view_id,
        views.session_id,
        views.viewer_id,
        views.content_id,
        {{ device_id('views') }} as device_id,

        ----------  dimensions
        views.view_date,
        views.telemetry_source,
        views.stream_type,
        views.cdn,
        views.pop,
        views.country,
        views.asn,
        views.isp,
        views.device_type,
        views.os_name,
        views.browser_name,
        views.player_name,
        views.player_version,
        views.app_name,
        views.close_reason,
        views.error_code,

        ----------  metrics
        views.event_count,
        views.video_startup_time_ms,
        views.rebuffer_count,
        views.rebuffer_duration_ms,
        views.rebuffer_ratio,
        views.playing_time_ms,
        views.seek_count,
        views.seek_buffering_duration_ms,
        views.avg_bitrate_kbps,
        views.bitrate_switch_count,
        views.bitrate_switch_up_count,
        views.bitrate_switch_down_count,
        views.dropped_frame_ratio,
        coalesce(renditions.rendition_count, 0) as rendition_count,
        coalesce(renditions.hd_playing_time_ms, 0) as hd_playing_time_ms,
        {{ ratio('renditions.hd_playing_time_ms', 'views.playing_time_ms') }}
            as hd_playing_time_ratio,
        views.startup_score,
        views.smoothness_score,
        views.quality_score,

        ----------  booleans
        views.is_video_start,
        views.is_exit_before_video_start,
        views.has_video_start_failure,
        views.has_video_playback_failure,
        views.rebuffer_count > 0 as has_rebuffered,
        views.is_final,

        ----------  versions and timestamps
        views.view_version,
        views.started_at,
        views.first_frame_at,
        views.ended_at,
        views.last_event_at,
        views.updated_at,
        views.ingested_at

    from views
    left join renditions
        on views.view_id = renditions.view_id

)

select * from final
