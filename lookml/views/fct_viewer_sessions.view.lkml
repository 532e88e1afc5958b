# Generated from dbt/models/marts/fct_viewer_sessions.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_viewer_sessions.measures.lkml.
view: fct_viewer_sessions {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_viewer_sessions` ;;
  view_label: "Viewer Sessions"

  dimension: viewer_session_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.viewer_session_id ;;
    description: "viewer_id and the session's start in epoch ms, joined by ':'."
  }

  dimension: viewer_id {
    type: string
    sql: ${TABLE}.viewer_id ;;
    description: "Pseudonymous, stable viewer id (salted hash)."
  }

  dimension_group: viewer_session {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    sql: ${TABLE}.viewer_session_date ;;
    description: "UTC date of the session's start."
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

  dimension: rebuffer_ratio {
    type: number
    sql: ${TABLE}.rebuffer_ratio ;;
    description: "rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when both are 0. In rollups a convenience: re-aggregate as sum over sum. See docs/metrics.md#rebuffer_ratio."
  }

  dimension: failure_count {
    type: number
    sql: ${TABLE}.failure_count ;;
    description: "Views of the session that ended in a start or playback failure. See docs/metrics.md#video_start_failure."
  }

  dimension: exit_before_video_start_count {
    type: number
    sql: ${TABLE}.exit_before_video_start_count ;;
    description: "Views left before the first frame without an error. See docs/metrics.md#exit_before_video_start."
  }

  dimension: content_count {
    type: number
    sql: ${TABLE}.content_count ;;
    description: "Distinct content items watched in the session."
  }

  dimension: matched_view_count {
    type: number
    sql: ${TABLE}.matched_view_count ;;
    description: "Views of fct_views whose start falls inside the session (should equal view_count)."
  }

  dimension: cdn_count {
    type: number
    sql: ${TABLE}.cdn_count ;;
    description: "Distinct CDNs across the session's views."
  }

  dimension: device_count {
    type: number
    sql: ${TABLE}.device_count ;;
    description: "Distinct devices across the session's views."
  }

  dimension: avg_bitrate_kbps {
    type: number
    sql: ${TABLE}.avg_bitrate_kbps ;;
    description: "Time-weighted average encoded bitrate over playing time, kbps. See docs/metrics.md#avg_bitrate_kbps."
  }

  dimension: session_duration_ms {
    type: number
    sql: ${TABLE}.session_duration_ms ;;
    description: "ended_at - started_at, ms."
  }

  dimension: is_final {
    type: yesno
    sql: ${TABLE}.is_final ;;
    description: "True for the version emitted when the view or session closed; false while open."
  }

  dimension: viewer_session_version {
    type: number
    sql: ${TABLE}.viewer_session_version ;;
    description: "Version of the session row kept (the highest landed)."
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.started_at ;;
    description: "Start, UTC (views: first event, client clock)."
  }

  dimension_group: ended {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.ended_at ;;
    description: "Closing time, UTC; null while open."
  }

  dimension_group: updated {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.updated_at ;;
    description: "When the pipeline computed the kept version, UTC."
  }
}
