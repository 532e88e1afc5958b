# Generated from dbt/models/marts/fct_transcode_jobs.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_transcode_jobs.measures.lkml.
view: fct_transcode_jobs {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_transcode_jobs` ;;
  view_label: "Transcode Jobs"

  dimension: transcode_job_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.transcode_job_key ;;
    description: "Hash of provider and job_id: one transcode job."
  }

  dimension: job_id {
    type: string
    sql: ${TABLE}.job_id ;;
    description: "The provider's job id."
  }

  dimension: content_id {
    type: string
    sql: ${TABLE}.content_id ;;
    description: "Content id ('(unknown)' in rollups when the view did not say)."
  }

  dimension_group: job {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    group_label: "Partition date (filter on it)"
    sql: ${TABLE}.job_date ;;
    description: "UTC date of the job's first event (partition column on BigQuery)."
  }

  dimension: provider {
    type: string
    sql: ${TABLE}.provider ;;
    description: "System that ran the job: mediaconvert, medialive, transcoder, ffmpeg."
  }

  dimension: state {
    type: string
    sql: ${TABLE}.state ;;
    description: "Latest normalized job state (complete, error, canceled, progressing, ...)."
  }

  dimension: queue {
    type: string
    sql: ${TABLE}.queue ;;
    description: "Queue or pipeline the job ran on."
  }

  dimension: region {
    type: string
    sql: ${TABLE}.region ;;
    description: "Cloud region of the job."
  }

  dimension: error_code {
    type: string
    sql: ${TABLE}.error_code ;;
    description: "Code of the fatal error, when there was one."
  }

  dimension: error_message {
    type: string
    sql: ${TABLE}.error_message ;;
    description: "Provider error message of a failed job."
  }

  dimension: queue_time_ms {
    type: number
    sql: ${TABLE}.queue_time_ms ;;
    description: "started_at - submitted_at, ms. See docs/metrics.md#transcode-jobs."
  }

  dimension: processing_time_ms {
    type: number
    sql: ${TABLE}.processing_time_ms ;;
    description: "finished_at - started_at, ms. See docs/metrics.md#transcode-jobs."
  }

  dimension: turnaround_time_ms {
    type: number
    sql: ${TABLE}.turnaround_time_ms ;;
    description: "finished_at - submitted_at, ms; null until finished. See docs/metrics.md#transcode-jobs."
  }

  dimension: input_duration_ms {
    type: number
    sql: ${TABLE}.input_duration_ms ;;
    description: "Input media duration, ms."
  }

  dimension: realtime_factor {
    type: number
    sql: ${TABLE}.realtime_factor ;;
    description: "input_duration_ms / processing_time_ms: above 1 is faster than real time. See docs/metrics.md#transcode-jobs."
  }

  dimension: output_count {
    type: number
    sql: ${TABLE}.output_count ;;
    description: "Outputs (ladder rungs) the job produced."
  }

  dimension: max_output_bitrate_kbps {
    type: number
    sql: ${TABLE}.max_output_bitrate_kbps ;;
    description: "Bitrate of the job's top output, kbps."
  }

  dimension: max_output_height_px {
    type: number
    sql: ${TABLE}.max_output_height_px ;;
    description: "Height of the job's tallest output, pixels."
  }

  dimension: event_count {
    type: number
    sql: ${TABLE}.event_count ;;
    description: "Distinct player events in the view, or distinct notifications of the job."
  }

  dimension: is_complete {
    type: yesno
    sql: ${TABLE}.is_complete ;;
    description: "The job completed."
  }

  dimension: is_failed {
    type: yesno
    sql: ${TABLE}.is_failed ;;
    description: "The job failed (state error)."
  }

  dimension: is_finished {
    type: yesno
    sql: ${TABLE}.is_finished ;;
    description: "The job completed, failed or was canceled."
  }

  dimension: job_version {
    type: number
    sql: ${TABLE}.job_version ;;
    description: "Version of the job row kept (the highest landed)."
  }

  dimension_group: first_event {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.first_event_at ;;
    description: "Earliest event of the job, UTC."
  }

  dimension_group: last_event {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.last_event_at ;;
    description: "Latest event seen, UTC."
  }

  dimension_group: submitted {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.submitted_at ;;
    description: "Submission time, UTC."
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.started_at ;;
    description: "Start of transcoding (left the queue), UTC."
  }

  dimension_group: finished {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.finished_at ;;
    description: "Completion, failure or cancellation time, UTC."
  }

  dimension_group: updated {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.updated_at ;;
    description: "When the pipeline computed the kept version, UTC."
  }
}
