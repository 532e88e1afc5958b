# Generated from dbt/models/marts/fct_qoe_daily.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_qoe_daily.measures.lkml.
view: fct_qoe_daily {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_qoe_daily` ;;
  view_label: "QoE Daily"

  dimension: qoe_daily_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.qoe_daily_key ;;
    description: "Hash of view_date, cdn, pop, country, device_id and content_id: the grain."
  }

  dimension_group: view {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    group_label: "Partition date (filter on it)"
    sql: ${TABLE}.view_date ;;
    description: "UTC date of the view's start (partition column on BigQuery)."
  }

  dimension: cdn {
    type: string
    sql: ${TABLE}.cdn ;;
    description: "CDN that served the view or request ('(unknown)' in rollups when not known)."
  }

  dimension: pop {
    type: string
    sql: ${TABLE}.pop ;;
    description: "Edge PoP that served most of the view's requests, per the pipeline ('(unknown)' in rollups)."
  }

  dimension: country {
    type: string
    sql: ${TABLE}.country ;;
    description: "Viewer country, ISO 3166-1 alpha-2 ('(unknown)' in rollups)."
  }

  dimension: device_id {
    type: string
    sql: ${TABLE}.device_id ;;
    description: "Device key: hash of device type, OS, browser, player, player version and app (see dim_device)."
  }

  dimension: device_type {
    type: string
    sql: ${TABLE}.device_type ;;
    description: "Device class: desktop, mobile, tablet, tv, console, other, or '(unknown)'."
  }

  dimension: content_id {
    type: string
    sql: ${TABLE}.content_id ;;
    description: "Content id ('(unknown)' in rollups when the view did not say)."
  }

  dimension: view_count {
    type: number
    sql: ${TABLE}.view_count ;;
    description: "Views (play attempts) started in the row; sums to the views in fct_views."
  }

  dimension: video_start_count {
    type: number
    sql: ${TABLE}.video_start_count ;;
    description: "Views whose first frame was rendered. See docs/metrics.md#video_startup_time_ms."
  }

  dimension: total_video_startup_time_ms {
    type: number
    sql: ${TABLE}.total_video_startup_time_ms ;;
    description: "Sum of video_startup_time_ms over started views: the numerator of avg_video_startup_time_ms. See docs/metrics.md#video_startup_time_ms."
  }

  dimension: video_startup_time_sample_count {
    type: number
    sql: ${TABLE}.video_startup_time_sample_count ;;
    description: "Views with a video_startup_time_ms: the denominator of avg_video_startup_time_ms. See docs/metrics.md#video_startup_time_ms."
  }

  dimension: playing_time_ms {
    type: number
    sql: ${TABLE}.playing_time_ms ;;
    description: "Time spent playing, ms (pauses, rebuffering and seek buffering excluded). See docs/metrics.md#playing_time_ms."
  }

  dimension: rebuffer_duration_ms {
    type: number
    sql: ${TABLE}.rebuffer_duration_ms ;;
    description: "Rebuffering time after the first frame, seek buffering excluded, ms. See docs/metrics.md#rebuffer_duration_ms."
  }

  dimension: rebuffer_count {
    type: number
    sql: ${TABLE}.rebuffer_count ;;
    description: "Rebuffering events after the first frame, seek buffering excluded. See docs/metrics.md#rebuffer_count."
  }

  dimension: rebuffered_view_count {
    type: number
    sql: ${TABLE}.rebuffered_view_count ;;
    description: "Views with at least one rebuffer. See docs/metrics.md#rebuffer_count."
  }

  dimension: video_start_failure_count {
    type: number
    sql: ${TABLE}.video_start_failure_count ;;
    description: "Views with a fatal error before the first frame. See docs/metrics.md#video_start_failure."
  }

  dimension: video_playback_failure_count {
    type: number
    sql: ${TABLE}.video_playback_failure_count ;;
    description: "Views with a fatal error after the first frame. See docs/metrics.md#video_playback_failure."
  }

  dimension: exit_before_video_start_count {
    type: number
    sql: ${TABLE}.exit_before_video_start_count ;;
    description: "Views left before the first frame without an error. See docs/metrics.md#exit_before_video_start."
  }

  dimension: bitrate_playing_time_ms {
    type: number
    sql: ${TABLE}.bitrate_playing_time_ms ;;
    description: "Playing time of views that reported a bitrate: the denominator of avg_bitrate_kbps. See docs/metrics.md#avg_bitrate_kbps."
  }

  dimension: bitrate_kbps_playing_time_ms {
    type: number
    sql: ${TABLE}.bitrate_kbps_playing_time_ms ;;
    description: "Sum of avg_bitrate_kbps x playing_time_ms: the numerator of avg_bitrate_kbps. See docs/metrics.md#avg_bitrate_kbps."
  }

  dimension: rebuffer_ratio {
    type: number
    sql: ${TABLE}.rebuffer_ratio ;;
    description: "rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when both are 0. In rollups a convenience: re-aggregate as sum over sum. See docs/metrics.md#rebuffer_ratio."
  }

  dimension: avg_video_startup_time_ms {
    type: number
    sql: ${TABLE}.avg_video_startup_time_ms ;;
    description: "total_video_startup_time_ms / video_startup_time_sample_count (convenience). See docs/metrics.md#video_startup_time_ms."
  }

  dimension: video_start_failure_rate {
    type: number
    sql: ${TABLE}.video_start_failure_rate ;;
    description: "video_start_failure_count / view_count (convenience). See docs/metrics.md#per-minute-aggregates."
  }

  dimension: avg_bitrate_kbps {
    type: number
    sql: ${TABLE}.avg_bitrate_kbps ;;
    description: "Time-weighted average encoded bitrate over playing time, kbps. See docs/metrics.md#avg_bitrate_kbps."
  }

  dimension_group: last_ingested {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.last_ingested_at ;;
    description: "Latest landing time of the rows behind this row, UTC (drives incremental runs)."
  }
}
