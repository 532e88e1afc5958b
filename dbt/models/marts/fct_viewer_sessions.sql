with

sessions as (

    select * from {{ ref('stg_player__viewer_sessions') }}

),

session_views as (

    select * from {{ ref('int_views_rolled_up_to_viewer_sessions') }}

),

final as (

    select
        ----------  ids
        sessions.viewer_session_id,
        sessions.viewer_id,

        ----------  dimensions
        sessions.viewer_session_date,

        ----------  metrics
        sessions.view_count,
        sessions.video_start_count,
        sessions.playing_time_ms,
        sessions.rebuffer_duration_ms,
        sessions.rebuffer_count,
        {{ ratio('sessions.rebuffer_duration_ms', 'sessions.playing_time_ms + sessions.rebuffer_duration_ms') }}
            as rebuffer_ratio,
        sessions.failure_count,
        sessions.exit_before_video_start_count,
        sessions.content_count,
        coalesce(session_views.matched_view_count, 0) as matched_view_count,
        coalesce(session_views.cdn_count, 0) as cdn_count,
        coalesce(session_views.device_count, 0) as device_count,
        {{ ratio('session_views.bitrate_kbps_playing_time_ms', 'session_views.bitrate_playing_time_ms') }}
            as avg_bitrate_kbps,
        {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'millisecond') }}
            as session_duration_ms,

        ----------  booleans
        sessions.is_final,

        ----------  versions and timestamps
        sessions.viewer_session_version,
        sessions.started_at,
        sessions.ended_at,
        sessions.updated_at

    from sessions
    left join session_views
        on sessions.viewer_session_id = session_views.viewer_session_id

)

select * from final
