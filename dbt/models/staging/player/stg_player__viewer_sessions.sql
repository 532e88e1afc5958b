with

source as (

    select * from {{ source('player', 'viewer_sessions') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by viewer_session_id
            order by version desc, updated_at desc, ingested_at desc
        ) as version_rank
    from source

),

renamed as (

    select
        ----------  ids
        viewer_session_id,
        viewer_id,

        ----------  numerics
        view_count,
        video_start_count,
        playing_time_ms,
        rebuffer_duration_ms,
        rebuffer_count,
        failure_count,
        exit_before_video_start_count,
        content_count,
        version as viewer_session_version,

        ----------  booleans
        is_final,

        ----------  timestamps
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at,
        cast({{ to_utc_timestamp('started_at') }} as date) as viewer_session_date

    from latest_version
    where version_rank = 1

)

select * from renamed
