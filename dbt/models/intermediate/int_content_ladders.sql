{#
  One row per content item with a completed transcode: the ladder of its latest completed job
  (by finish time), as rung counts, bounds and a readable list ordered by bitrate.
#}

with

outputs as (

    select * from {{ ref('int_transcode_outputs_unnested') }}
    where state = 'complete'

),

latest_jobs as (

    select
        content_id,
        provider,
        job_id,
        row_number() over (
            partition by content_id
            order by coalesce(finished_at, last_event_at) desc, job_id desc
        ) as job_rank
    from outputs
    where content_id is not null
    group by content_id, provider, job_id, finished_at, last_event_at

),

ladders as (

    select
        outputs.content_id,
        outputs.job_id as ladder_job_id,
        count(*) as ladder_rung_count,
        min(outputs.bitrate_kbps) as ladder_min_bitrate_kbps,
        max(outputs.bitrate_kbps) as ladder_max_bitrate_kbps,
        max(outputs.height_px) as ladder_max_height_px,
        {{ dbt.listagg(
            "coalesce(outputs.output_name, '?') || ':' || cast(outputs.bitrate_kbps as "
            ~ dbt.type_string() ~ ")",
            "', '",
            "order by outputs.bitrate_kbps",
        ) }} as ladder
    from outputs
    inner join latest_jobs
        on outputs.provider = latest_jobs.provider
        and outputs.job_id = latest_jobs.job_id
        and latest_jobs.job_rank = 1
    group by outputs.content_id, outputs.job_id

)

select * from ladders
