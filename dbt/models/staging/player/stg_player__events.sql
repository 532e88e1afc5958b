with

source as (

    select * from {{ source('player', 'player_events') }}

),

first_delivery as (

    -- Beacons are retried: one event is one (view_id, sequence_number); keep its first landing.
    select
        *,
        row_number() over (
            partition by view_id, sequence_number
            order by ingested_at, ingest_id
        ) as delivery_rank
    from source

),

renamed as (

    select
        ----------  ids
        view_id,
        viewer_id,
        session_id,
        content_id,

        ----------  strings
        schema_version,
        event_type,
        content_title,
        stream_type,
        error_code,
        error_message,
        player_name,
        player_version,
        device_type,
        device_model,
        os_name,
        os_version,
        browser_name,
        browser_version,
        app_name,
        app_version,
        cdn,
        country,
        isp,

        ----------  numerics
        sequence_number,
        client_ts_ms,
        playhead_ms,
        buffer_length_ms,
        bitrate_kbps,
        rendition.width as rendition_width_px,
        rendition.height as rendition_height_px,
        rendition.codec as rendition_codec,
        rendition.fps as rendition_fps,
        throughput_kbps,
        dropped_frames as dropped_frame_count,
        decoded_frames as decoded_frame_count,
        playback_rate,
        live_latency_ms,
        startup_ms,
        asn,

        ----------  booleans
        coalesce(error_fatal, false) as is_fatal_error,

        ----------  timestamps
        {{ to_utc_timestamp('event_at') }} as event_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from first_delivery
    where delivery_rank = 1

)

select * from renamed
