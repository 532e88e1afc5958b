with

source as (

    select * from {{ source('transcode', 'transcode_events') }}

),

first_delivery as (

    -- Notifications are delivered at least once: one event is one provider event id (job, state
    -- and time when the provider gives no id).
    select
        *,
        row_number() over (
            partition by provider, event_id, job_id, state, provider_state, event_at
            order by ingested_at, ingest_id
        ) as delivery_rank
    from source

),

renamed as (

    select
        ----------  ids
        event_id,
        job_id,
        content_id,

        ----------  strings
        provider,
        state,
        provider_state,
        queue,
        region,
        account,
        input.uri as input_uri,
        input.codec as input_codec,
        error_code,
        error_message,

        ----------  numerics
        progress_percent,
        input.duration_ms as input_duration_ms,
        input.width as input_width_px,
        input.height as input_height_px,
        input.frame_rate as input_frame_rate_fps,
        input.bitrate_kbps as input_bitrate_kbps,

        ----------  arrays
        outputs,

        ----------  timestamps
        {{ to_utc_timestamp('event_at') }} as event_at,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('finished_at') }} as finished_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from first_delivery
    where delivery_rank = 1

)

select * from renamed
