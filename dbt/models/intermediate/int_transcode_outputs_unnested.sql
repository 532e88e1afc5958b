-- One row per transcode job (provider, job_id) and output rendition, from each job's latest version.

with

jobs as (

    select
        job_id,
        provider,
        content_id,
        state,
        finished_at,
        last_event_at,
        outputs
    from {{ ref('stg_transcode__jobs') }}

),

unnested as (

    select
        jobs.job_id,
        jobs.provider,
        jobs.content_id,
        jobs.state,
        jobs.finished_at,
        jobs.last_event_at,
        output.name as output_name,
        output.width as width_px,
        output.height as height_px,
        output.bitrate_kbps,
        output.codec,
        output.duration_ms
    from jobs
    cross join {{ unnest_array('jobs.outputs', 'output') }}

)

select * from unnested
