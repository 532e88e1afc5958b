with

source as (

    select * from {{ source('player', 'cmcd_reports') }}

),

renamed as (

    select
        ----------  ids
        cmcd.sid as view_id,
        cmcd.cid as content_id,

        ----------  strings
        report_mode,
        transmission,
        client_ip,
        user_agent,
        cmcd.ot as object_type,
        cmcd.st as stream_type,
        cmcd.sta as player_state,
        cmcd.e as event_type,
        cmcd.ec as player_error_code,

        ----------  numerics
        report_ts_ms,
        cmcd.v as cmcd_version,
        cmcd.sn as sequence_number,
        cmcd.br as bitrate_kbps,
        cmcd.bl as buffer_length_ms,
        cmcd.mtp as measured_throughput_kbps,
        cmcd.pt as playhead_ms,
        cmcd.msd as media_start_delay_ms,
        cmcd.bsd as buffer_starvation_duration_ms,
        cmcd.ttfb as ttfb_ms,

        ----------  booleans
        coalesce(cmcd.bs, false) as has_buffer_starvation,

        ----------  timestamps
        {{ to_utc_timestamp('received_at') }} as received_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from source

)

select * from renamed
