# Measures of fct_viewer_sessions (one row per viewer session). Joined to fct_views many_to_one,
# its sums would repeat once per view: the compiler refuses them there (docs/lookml.md, fan-out);
# the count is a distinct count of the primary key and stays exact.
view: +fct_viewer_sessions {
  measure: viewer_session_count {
    type: count
    label: "Viewer Sessions"
    value_format_name: decimal_0
    description: "Viewer sessions (docs/metrics.md#viewer-sessions)."
  }

  measure: total_view_count {
    type: sum
    sql: ${view_count} ;;
    label: "Views in Sessions"
    value_format_name: decimal_0
    description: "Views inside the sessions (docs/metrics.md#viewer-sessions)."
  }

  measure: total_playing_time_ms {
    type: sum
    sql: ${playing_time_ms} ;;
    label: "Playing Time (ms)"
    value_format_name: decimal_0
    description: "Summed playing time of the sessions (docs/metrics.md#viewer-sessions)."
  }

  measure: total_rebuffer_duration_ms {
    type: sum
    sql: ${rebuffer_duration_ms} ;;
    label: "Rebuffer Duration (ms)"
    value_format_name: decimal_0
    description: "Summed rebuffering time of the sessions (docs/metrics.md#viewer-sessions)."
  }

  measure: overall_rebuffer_ratio {
    type: number
    sql: CAST(${total_rebuffer_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} + ${total_rebuffer_duration_ms} AS FLOAT64), 0) ;;
    label: "Session Rebuffer Ratio"
    value_format_name: percent_2
    description: "Rebuffer duration / (playing + rebuffer), sum over sum (docs/metrics.md#rebuffer_ratio)."
  }

  measure: average_session_duration_ms {
    type: average
    sql: ${session_duration_ms} ;;
    label: "Average Session Duration (ms)"
    value_format_name: decimal_0
    description: "Mean first view start to last view end (docs/metrics.md#viewer-sessions)."
  }
}
