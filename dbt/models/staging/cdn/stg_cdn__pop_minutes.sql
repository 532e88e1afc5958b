with

source as (

    select * from {{ source('cdn', 'cdn_pop_minute') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by window_start, cdn, pop
            order by version desc, updated_at desc, ingested_at desc
        ) as version_rank
    from source

),

renamed as (

    select
        ----------  ids
        cdn,
        pop,

        ----------  numerics
        request_count,
        bytes_sent,
        cache_hit_count,
        cache_miss_count,
        error_count,
        cache_hit_ratio,
        error_rate,
        ttfb_p50_ms,
        ttfb_p95_ms,
        version as pop_minute_version,

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
