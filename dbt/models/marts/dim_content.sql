with

views as (

    select * from {{ ref('stg_player__views') }}
    where content_id is not null

),

jobs as (

    select * from {{ ref('stg_transcode__jobs') }}
    where content_id is not null

),

ladders as (

    select * from {{ ref('int_content_ladders') }}

),

titles as (

    -- The title and stream type of the latest view that reported them.
    select
        content_id,
        content_title,
        stream_type,
        row_number() over (
            partition by content_id
            order by case when content_title is null then 1 else 0 end, started_at desc, view_id
        ) as title_rank
    from views

),

seen_in_views as (

    select
        content_id,
        min(started_at) as first_view_at,
        max(started_at) as last_view_at
    from views
    group by content_id

),

seen_in_jobs as (

    select
        content_id,
        min(first_event_at) as first_transcode_at,
        count(*) as transcode_job_count
    from jobs
    group by content_id

),

content_ids as (

    select content_id from seen_in_views
    union distinct
    select content_id from seen_in_jobs

),

final as (

    select
        ----------  ids
        content_ids.content_id,

        ----------  strings
        titles.content_title,
        titles.stream_type,
        ladders.ladder_job_id,
        ladders.ladder,

        ----------  numerics
        coalesce(seen_in_jobs.transcode_job_count, 0) as transcode_job_count,
        coalesce(ladders.ladder_rung_count, 0) as ladder_rung_count,
        ladders.ladder_min_bitrate_kbps,
        ladders.ladder_max_bitrate_kbps,
        ladders.ladder_max_height_px,

        ----------  booleans
        ladders.content_id is not null as has_ladder,

        ----------  timestamps
        seen_in_views.first_view_at,
        seen_in_views.last_view_at,
        seen_in_jobs.first_transcode_at

    from content_ids
    left join titles
        on content_ids.content_id = titles.content_id
        and titles.title_rank = 1
    left join seen_in_views
        on content_ids.content_id = seen_in_views.content_id
    left join seen_in_jobs
        on content_ids.content_id = seen_in_jobs.content_id
    left join ladders
        on content_ids.content_id = ladders.content_id

)

select * from final
