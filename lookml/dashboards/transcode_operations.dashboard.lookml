# Transcode operations: job outcomes, timings and speed per provider.
- dashboard: transcode_operations
  title: Transcode Operations
  layout: newspaper
  description: Transcode jobs, failures, processing time and realtime factor per provider and content.
  filters:
  - {name: date, title: Date, type: field_filter, default_value: 30 days, explore: fct_transcode_jobs, field: fct_transcode_jobs.job_date}
  - {name: content, title: Content, type: field_filter, default_value: '', explore: fct_transcode_jobs, field: fct_transcode_jobs.content_id}
  elements:
  - name: jobs_by_provider
    title: Jobs, failure rate, processing time p95 and realtime factor by provider
    model: "@{MODEL}"
    explore: fct_transcode_jobs
    type: looker_grid
    fields: [fct_transcode_jobs.provider, fct_transcode_jobs.job_count, fct_transcode_jobs.failed_job_count,
      fct_transcode_jobs.overall_failure_rate, fct_transcode_jobs.average_queue_time_ms,
      fct_transcode_jobs.p95_processing_time_ms, fct_transcode_jobs.overall_realtime_factor]
    sorts: [fct_transcode_jobs.job_count desc]
    listen: {date: fct_transcode_jobs.job_date, content: fct_transcode_jobs.content_id}
  - name: jobs_by_state
    title: Jobs by state
    model: "@{MODEL}"
    explore: fct_transcode_jobs
    type: looker_pie
    fields: [fct_transcode_jobs.state, fct_transcode_jobs.job_count]
    sorts: [fct_transcode_jobs.job_count desc]
    listen: {date: fct_transcode_jobs.job_date, content: fct_transcode_jobs.content_id}
  - name: failures_by_error
    title: Failed jobs by error code
    model: "@{MODEL}"
    explore: fct_transcode_jobs
    type: looker_bar
    fields: [fct_transcode_jobs.error_code, fct_transcode_jobs.failed_job_count]
    filters: {fct_transcode_jobs.is_failed: 'yes'}
    sorts: [fct_transcode_jobs.failed_job_count desc]
    listen: {date: fct_transcode_jobs.job_date, content: fct_transcode_jobs.content_id}
  - name: jobs_by_stream_type
    title: Jobs and realtime factor by stream type
    model: "@{MODEL}"
    explore: fct_transcode_jobs
    type: looker_column
    fields: [dim_content.stream_type, fct_transcode_jobs.job_count, fct_transcode_jobs.overall_realtime_factor]
    sorts: [fct_transcode_jobs.job_count desc]
    listen: {date: fct_transcode_jobs.job_date, content: fct_transcode_jobs.content_id}
