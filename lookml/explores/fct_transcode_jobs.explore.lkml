# Transcode operations: jobs with the content they produced a ladder for.
explore: fct_transcode_jobs {
  label: "Transcode Jobs"
  description: "One row per transcode job (or live channel) with its latest state; content joined."
  persist_with: streamqoe_marts
  # Partitioned by job_date on BigQuery.
  always_filter: {
    filters: [fct_transcode_jobs.job_date: "30 days"]
  }

  join: dim_content {
    relationship: many_to_one
    sql_on: ${fct_transcode_jobs.content_id} = ${dim_content.content_id} ;;
  }
}
