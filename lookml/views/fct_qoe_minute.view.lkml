# Generated from dbt/models/marts/fct_qoe_minute.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_qoe_minute.measures.lkml.
view: fct_qoe_minute {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_qoe_minute` ;;
  view_label: "QoE per Minute"

  dimension: qoe_minute_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.qoe_minute_key ;;
    description: "Hash of window_start_at, dimension and dimension_value: the grain."
  }

  dimension: dimension {
    type: string
    sql: ${TABLE}.dimension ;;
    description: "The breakdown the row belongs to; 'all' is the total over every view."
  }

  dimension: dimension_value {
    type: string
    sql: ${TABLE}.dimension_value ;;
    description: "Value of the breakdown ('(unknown)' when the view did not say; 'all' for the total)."
  }

  dimension_group: window {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    group_label: "Partition date (filter on it)"
    sql: ${TABLE}.window_date ;;
    description: "UTC date of window_start_at (partition column on BigQuery)."
  }

  dimension: concurrent_play_count {
    type: number
    sql: ${TABLE}.concurrent_play_count ;;
    description: "Views playing (first frame seen, not closed) at any time in the minute. Adds up across the values of one dimension, not across minutes (take the max over a span). See docs/metrics.md#per-minute-aggregates."
  }

  dimension: play_attempt_count {
    type: number
    sql: ${TABLE}.play_attempt_count ;;
    description: "Play requests in the minute (a view's first event when it sent none). See docs/metrics.md#per-minute-aggregates."
  }

  dimension: video_start_count {
    type: number
    sql: ${TABLE}.video_start_count ;;
    description: "First frames rendered in the minute. See docs/metrics.md#video_startup_time_ms."
  }

  dimension: startup_time_p50_ms {
    type: number
    sql: ${TABLE}.startup_time_p50_ms ;;
    description: "Median video startup time of the starts in the minute, ms; does not roll up. See docs/metrics.md#per-minute-aggregates."
  }

  dimension: startup_time_p95_ms {
    type: number
    sql: ${TABLE}.startup_time_p95_ms ;;
    description: "95th percentile video startup time of the starts in the minute, ms; does not roll up. See docs/metrics.md#per-minute-aggregates."
  }

  dimension: playing_time_ms {
    type: number
    sql: ${TABLE}.playing_time_ms ;;
    description: "Time spent playing, ms (pauses, rebuffering and seek buffering excluded). See docs/metrics.md#playing_time_ms. Only the part inside the minute."
  }

  dimension: rebuffer_duration_ms {
    type: number
    sql: ${TABLE}.rebuffer_duration_ms ;;
    description: "Rebuffering time after the first frame, seek buffering excluded, ms. See docs/metrics.md#rebuffer_duration_ms. Only the part inside the minute."
  }

  dimension: rebuffer_count {
    type: number
    sql: ${TABLE}.rebuffer_count ;;
    description: "Rebuffering events after the first frame, seek buffering excluded. See docs/metrics.md#rebuffer_count. Stalls that began in the minute."
  }

  dimension: video_start_failure_count {
    type: number
    sql: ${TABLE}.video_start_failure_count ;;
    description: "Views that closed in the minute on a fatal error before their first frame. See docs/metrics.md#video_start_failure."
  }

  dimension: video_playback_failure_count {
    type: number
    sql: ${TABLE}.video_playback_failure_count ;;
    description: "Views that closed in the minute on a fatal error after their first frame. See docs/metrics.md#video_playback_failure."
  }

  dimension: exit_before_video_start_count {
    type: number
    sql: ${TABLE}.exit_before_video_start_count ;;
    description: "Views that closed in the minute before their first frame without an error. See docs/metrics.md#exit_before_video_start."
  }

  dimension: rebuffer_ratio {
    type: number
    sql: ${TABLE}.rebuffer_ratio ;;
    description: "rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when both are 0. In rollups a convenience: re-aggregate as sum over sum. See docs/metrics.md#rebuffer_ratio."
  }

  dimension: qoe_minute_version {
    type: number
    sql: ${TABLE}.qoe_minute_version ;;
    description: "Pane index of the minute kept (the highest landed; early, on-time and late panes)."
  }

  dimension: is_final {
    type: yesno
    sql: ${TABLE}.is_final ;;
    description: "True when the kept pane fired once the watermark passed the minute's end (on time or late); false for an early pane."
  }

  dimension_group: window_start {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.window_start_at ;;
    description: "Start of the minute, UTC (event time)."
  }

  dimension_group: window_end {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.window_end_at ;;
    description: "End of the minute (exclusive), UTC."
  }

  dimension_group: updated {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.updated_at ;;
    description: "When the pipeline computed the kept version, UTC."
  }

  dimension_group: ingested {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.ingested_at ;;
    description: "When the kept version landed, UTC (drives incremental runs)."
  }
}
