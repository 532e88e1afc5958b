-- One row per view and rendition played (views.time_per_rendition, a REPEATED RECORD).

with

views as (

    select
        view_id,
        time_per_rendition
    from {{ ref('stg_player__views') }}

),

unnested as (

    select
        views.view_id,
        rendition.bitrate_kbps,
        rendition.height as height_px,
        rendition.playing_time_ms
    from views
    cross join {{ unnest_array('views.time_per_rendition', 'rendition') }}

)

select * from unnested
