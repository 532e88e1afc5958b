with

source as (

    select * from {{ source('cdn', 'cdn_requests') }}

),

first_delivery as (

    -- A log file can be read twice: one request is one CDN request id with its fields (the fields
    -- alone when the log has no id). No hash here: see "bqemulator" in docs/dbt.md.
    select
        *,
        row_number() over (
            partition by
                cdn, request_id, request_at, client_ip, path, query, status, bytes_sent,
                range_header, user_agent
            order by ingested_at, ingest_id
        ) as delivery_rank
    from source

),

renamed as (

    select
        ----------  ids
        request_id,
        cmcd.sid as view_id,
        cmcd.cid as content_id,

        ----------  strings
        cdn,
        log_format,
        distribution,
        coalesce(pop, '(unknown)') as pop,
        client_ip,
        client_country,
        method,
        protocol,
        http_version,
        host,
        path,
        query,
        cache_result,
        cache_detail,
        user_agent,
        content_type,
        cmcd.ot as cmcd_object_type,
        cmcd.sf as cmcd_streaming_format,
        cmcd.st as cmcd_stream_type,

        ----------  numerics
        client_asn,
        status as http_status,
        bytes_sent,
        bytes_received,
        time_taken_ms,
        ttfb_ms,
        range_start,
        range_end,
        cmcd.br as cmcd_bitrate_kbps,
        cmcd.bl as cmcd_buffer_length_ms,
        cmcd.mtp as cmcd_measured_throughput_kbps,
        cmcd.d as cmcd_object_duration_ms,

        ----------  booleans
        cmcd.sid is not null as has_cmcd_session,
        coalesce(cmcd.bs, false) as has_cmcd_buffer_starvation,
        coalesce(cmcd.su, false) as is_cmcd_startup,
        cache_result = 'hit' as is_cache_hit,
        cache_result in ('miss', 'refresh') as is_cache_miss,
        (status >= 500 or status = 0 or cache_result = 'error') as is_error,

        ----------  timestamps
        {{ to_utc_timestamp('request_at') }} as request_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from first_delivery
    where delivery_rank = 1

)

select * from renamed
