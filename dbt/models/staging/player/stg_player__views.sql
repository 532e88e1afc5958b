with

source as (

    select * from {{ source('player', 'views') }}

),

latest_version as (

    -- A view lands once per pane while open and once when closed: keep the highest version,
    -- then the latest computation, then the latest landing (exact re-deliveries).
    select
        *,
        row_number() over (
            partition by view_id
            order by version desc, updated_at desc, ingested_at desc
        ) as version_rank
    from source

),

renamed as (

    select
        ----------  ids
        view_id,
        session_id,
        viewer_id,
        content_id,

        ----------  strings
        source as telemetry_source,
        content_title,
        stream_type,
        close_reason,
        error_code,
        cdn,
        pop,
        country,
        isp,
        device_type,
        os_name,
        browser_name,
        player_name,
        player_version,
        app_name,

        ----------  numerics
        asn,
        event_count,
        video_startup_time_ms,
        rebuffer_count,
        rebuffer_duration_ms,
        seek_count,
        seek_buffering_duration_ms,
        rebuffer_ratio,
        playing_time_ms,
        avg_bitrate_kbps,
        bitrate_switch_count,
        bitrate_switch_up_count,
        bitrate_switch_down_count,
        dropped_frame_ratio,
        startup_score,
        smoothness_score,
        quality_score,
        version as view_version,

        ----------  arrays
        time_per_rendition,

        ----------  booleans
        exit_before_video_start as is_exit_before_video_start,
        video_start_failure as has_video_start_failure,
        video_playback_failure as has_video_playback_failure,
        first_frame_at is not null as is_video_start,
        is_final,

        ----------  timestamps
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('first_frame_at') }} as first_frame_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        {{ to_utc_timestamp('last_event_at') }} as last_event_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at,
        cast({{ to_utc_timestamp('started_at') }} as date) as view_date

    from latest_version
    where version_rank = 1

)

select * from renamed
