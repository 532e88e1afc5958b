{#
  One row per viewer session that has views: the views whose start falls inside the session,
  with the time-weighted bitrate the session's landed row does not carry.
#}

with

sessions as (

    select
        viewer_session_id,
        viewer_id,
        started_at,
        ended_at
    from {{ ref('stg_player__viewer_sessions') }}

),

views as (

    select
        view_id,
        viewer_id,
        started_at,
        playing_time_ms,
        avg_bitrate_kbps,
        cdn,
        {{ device_id() }} as device_id
    from {{ ref('stg_player__views') }}

),

views_in_sessions as (

    select
        sessions.viewer_session_id,
        views.view_id,
        views.playing_time_ms,
        views.avg_bitrate_kbps,
        views.cdn,
        views.device_id
    from sessions
    inner join views
        on views.viewer_id = sessions.viewer_id
        and views.started_at >= sessions.started_at
        and views.started_at <= sessions.ended_at

),

rolled_up as (

    select
        viewer_session_id,
        count(*) as matched_view_count,
        count(distinct cdn) as cdn_count,
        count(distinct device_id) as device_count,
        {{ sum_integer('case when avg_bitrate_kbps is not null then playing_time_ms else 0 end') }}
            as bitrate_playing_time_ms,
        sum(avg_bitrate_kbps * playing_time_ms) as bitrate_kbps_playing_time_ms
    from views_in_sessions
    group by viewer_session_id

)

select * from rolled_up
