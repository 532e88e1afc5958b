with

source as (

    select * from {{ source('player', 'qoe_minute') }}

),

latest_version as (

    -- Early, on-time and late panes of a minute: the highest version wins.
    select
        *,
        row_number() over (
            partition by window_start, dimension, dimension_value
            order by version desc, updated_at desc, ingested_at desc
        ) as version_rank
    from source

),

renamed as (

    select
        ----------  ids
        dimension,
        dimension_value,

        ----------  numerics
        concurrent_plays as concurrent_play_count,
        play_attempts as play_attempt_count,
        video_starts as video_start_count,
        startup_time_p50_ms,
        startup_time_p95_ms,
        playing_time_ms,
        rebuffer_duration_ms,
        rebuffer_count,
        rebuffer_ratio,
        video_start_failures as video_start_failure_count,
        video_playback_failures as video_playback_failure_count,
        exits_before_video_start as exit_before_video_start_count,
        video_start_failure_rate,
        version as qoe_minute_version,

        ----------  booleans
        is_final,

        ----------  timestamps
        {{ to_utc_timestamp('window_start') }} as window_start_at,
        {{ to_utc_timestamp('window_end') }} as window_end_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from latest_version
    where version_rank = 1

)

select * from renamed
