-- One row per view that reported playing time per rendition.

with

renditions as (

    select * from {{ ref('int_views_renditions_unnested') }}

),

rolled_up as (

    select
        view_id,
        count(distinct bitrate_kbps) as rendition_count,
        max(bitrate_kbps) as max_bitrate_kbps,
        {{ sum_integer(
            'case when height_px >= ' ~ var('hd_min_height_px', 720)
            ~ ' then playing_time_ms else 0 end'
        ) }}
            as hd_playing_time_ms
    from renditions
    group by view_id

)

select * from rolled_up
