# Measures of fct_transcode_jobs (one row per job or live channel, its latest state).
view: +fct_transcode_jobs {
  measure: job_count {
    type: count
    label: "Transcode Jobs"
    value_format_name: decimal_0
    description: "Transcode jobs (docs/metrics.md#transcode-jobs)."
  }

  measure: failed_job_count {
    type: count
    filters: [is_failed: "yes"]
    label: "Failed Jobs"
    value_format_name: decimal_0
    description: "Jobs whose latest state is a failure (docs/metrics.md#transcode-jobs)."
  }

  measure: finished_job_count {
    type: count
    filters: [is_finished: "yes"]
    label: "Finished Jobs"
    value_format_name: decimal_0
    description: "Jobs completed, failed or cancelled (docs/metrics.md#transcode-jobs)."
  }

  measure: overall_failure_rate {
    type: number
    sql: CAST(${failed_job_count} AS FLOAT64) / NULLIF(CAST(${finished_job_count} AS FLOAT64), 0) ;;
    label: "Job Failure Rate"
    value_format_name: percent_1
    description: "Failed jobs / finished jobs (docs/metrics.md#transcode-jobs)."
  }

  measure: average_queue_time_ms {
    type: average
    sql: ${queue_time_ms} ;;
    label: "Average Queue Time (ms)"
    value_format_name: decimal_0
    description: "Mean submitted to started (docs/metrics.md#transcode-jobs)."
  }

  measure: p95_processing_time_ms {
    type: percentile
    percentile: 95
    sql: ${processing_time_ms} ;;
    label: "Processing Time p95 (ms)"
    value_format_name: decimal_0
    description: "95th percentile of started to finished (docs/metrics.md#transcode-jobs)."
  }

  measure: total_timed_input_duration_ms {
    type: sum
    sql: CASE WHEN ${processing_time_ms} IS NOT NULL THEN ${input_duration_ms} END ;;
    label: "Input Duration of Timed Jobs (ms)"
    value_format_name: decimal_0
    description: "Summed input duration of jobs with a processing time (docs/metrics.md#transcode-jobs)."
  }

  measure: total_processing_time_ms {
    type: sum
    sql: ${processing_time_ms} ;;
    label: "Processing Time (ms)"
    value_format_name: decimal_0
    description: "Summed started to finished (docs/metrics.md#transcode-jobs)."
  }

  measure: overall_realtime_factor {
    type: number
    sql: CAST(${total_timed_input_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_processing_time_ms} AS FLOAT64), 0) ;;
    label: "Realtime Factor"
    value_format_name: decimal_2
    description: "Input duration / processing time, sum over sum; above 1 is faster than real time (docs/metrics.md#transcode-jobs)."
  }
}
