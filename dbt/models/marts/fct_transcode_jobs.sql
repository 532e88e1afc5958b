{{
    config(
        partition_by={'field': 'job_date', 'data_type': 'date'},
        cluster_by=['provider', 'state'],
    )
}}

with

jobs as (

    select * from {{ ref('stg_transcode__jobs') }}

),

outputs as (

    select
        provider,
        job_id,
        count(*) as ladder_rung_count,
        max(bitrate_kbps) as max_output_bitrate_kbps,
        max(height_px) as max_output_height_px
    from {{ ref('int_transcode_outputs_unnested') }}
    group by provider, job_id

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['jobs.provider', 'jobs.job_id']) }} as transcode_job_key,
        jobs.job_id,
        jobs.content_id,

        ----------  dimensions
        cast(jobs.first_event_at as date) as job_date,
        jobs.provider,
        jobs.state,
        jobs.queue,
        jobs.region,
        jobs.error_code,
        jobs.error_message,

        ----------  metrics
        jobs.queue_time_ms,
        jobs.processing_time_ms,
        {{ dbt.datediff('jobs.submitted_at', 'jobs.finished_at', 'millisecond') }}
            as turnaround_time_ms,
        jobs.input_duration_ms,
        {{ ratio('jobs.input_duration_ms', 'jobs.processing_time_ms') }} as realtime_factor,
        coalesce(jobs.output_count, outputs.ladder_rung_count, 0) as output_count,
        outputs.max_output_bitrate_kbps,
        outputs.max_output_height_px,
        jobs.event_count,

        ----------  booleans
        jobs.state = 'complete' as is_complete,
        jobs.state = 'error' as is_failed,
        jobs.state in ('complete', 'error', 'canceled') as is_finished,

        ----------  versions and timestamps
        jobs.job_version,
        jobs.first_event_at,
        jobs.last_event_at,
        jobs.submitted_at,
        jobs.started_at,
        jobs.finished_at,
        jobs.updated_at

    from jobs
    left join outputs
        on jobs.provider = outputs.provider
        and jobs.job_id = outputs.job_id

)

select * from final
