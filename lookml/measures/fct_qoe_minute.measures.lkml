# Measures of fct_qoe_minute (minute x dimension x value, the latest pane). Counts and durations
# add up across minutes; concurrent plays and the per-minute startup percentiles do not, so they
# are maxima (recompute percentiles from fct_views). Filter one `dimension` (the explore does).
view: +fct_qoe_minute {
  measure: total_play_attempt_count {
    type: sum
    sql: ${play_attempt_count} ;;
    label: "Play Attempts"
    value_format_name: decimal_0
    description: "Play requests in the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_video_start_count {
    type: sum
    sql: ${video_start_count} ;;
    label: "Video Starts"
    value_format_name: decimal_0
    description: "First frames in the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_playing_time_ms {
    type: sum
    sql: ${playing_time_ms} ;;
    label: "Playing Time (ms)"
    value_format_name: decimal_0
    description: "Playing time inside the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_rebuffer_duration_ms {
    type: sum
    sql: ${rebuffer_duration_ms} ;;
    label: "Rebuffer Duration (ms)"
    value_format_name: decimal_0
    description: "Rebuffering time inside the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_rebuffer_count {
    type: sum
    sql: ${rebuffer_count} ;;
    label: "Rebuffers"
    value_format_name: decimal_0
    description: "Stalls that began in the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_video_start_failure_count {
    type: sum
    sql: ${video_start_failure_count} ;;
    label: "Video Start Failures"
    value_format_name: decimal_0
    description: "Start failures closing in the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: total_video_playback_failure_count {
    type: sum
    sql: ${video_playback_failure_count} ;;
    label: "Video Playback Failures"
    value_format_name: decimal_0
    description: "Playback failures closing in the minutes (docs/metrics.md#per-minute-aggregates)."
  }

  measure: overall_rebuffer_ratio {
    type: number
    sql: CAST(${total_rebuffer_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} + ${total_rebuffer_duration_ms} AS FLOAT64), 0) ;;
    label: "Rebuffer Ratio"
    value_format_name: percent_2
    description: "Rebuffer duration / (playing time + rebuffer duration), sum over sum (docs/metrics.md#rebuffer_ratio)."
  }

  measure: overall_video_start_failure_rate {
    type: number
    sql: LEAST(1, CAST(${total_video_start_failure_count} AS FLOAT64) / NULLIF(CAST(${total_play_attempt_count} AS FLOAT64), 0)) ;;
    label: "Video Start Failure Rate"
    value_format_name: percent_2
    description: "Start failures / play attempts, capped at 1 (docs/metrics.md#per-minute-aggregates)."
  }

  measure: max_concurrent_play_count {
    type: max
    sql: ${concurrent_play_count} ;;
    label: "Peak Concurrent Plays"
    value_format_name: decimal_0
    description: "Highest concurrent plays of any minute (docs/metrics.md#per-minute-aggregates)."
  }

  measure: max_startup_time_p95_ms {
    type: max
    sql: ${startup_time_p95_ms} ;;
    label: "Worst Minute Startup Time p95 (ms)"
    value_format_name: decimal_0
    description: "Highest per-minute startup p95 (docs/metrics.md#per-minute-aggregates)."
  }
}
