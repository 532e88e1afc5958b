with

source as (

    select * from {{ source('transcode', 'transcode_jobs') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by provider, job_id
            order by version desc, updated_at desc, ingested_at desc
        ) as version_rank
    from source

),

renamed as (

    select
        ----------  ids
        job_id,
        content_id,

        ----------  strings
        provider,
        state,
        queue,
        region,
        error_code,
        error_message,

        ----------  numerics
        queue_time_ms,
        processing_time_ms,
        input_duration_ms,
        realtime_factor,
        output_count,
        event_count,
        version as job_version,

        ----------  arrays
        outputs,

        ----------  timestamps
        {{ to_utc_timestamp('first_event_at') }} as first_event_at,
        {{ to_utc_timestamp('last_event_at') }} as last_event_at,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('finished_at') }} as finished_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from latest_version
    where version_rank = 1

)

select * from renamed
