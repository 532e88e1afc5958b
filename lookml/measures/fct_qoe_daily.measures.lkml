# Measures of fct_qoe_daily (date x CDN x PoP x country x device x content): sums of the daily
# numerators and denominators, ratios sum over sum. Percentiles do not roll up: take them from
# the fct_views explore.
view: +fct_qoe_daily {
  measure: total_view_count {
    type: sum
    sql: ${view_count} ;;
    label: "Views"
    value_format_name: decimal_0
    description: "Views started that day (docs/metrics.md#the-timeline)."
  }

  measure: total_video_start_count {
    type: sum
    sql: ${video_start_count} ;;
    label: "Video Starts"
    value_format_name: decimal_0
    description: "Views whose first frame was rendered (docs/metrics.md#video_startup_time_ms)."
  }

  measure: total_video_start_failure_count {
    type: sum
    sql: ${video_start_failure_count} ;;
    label: "Video Start Failures"
    value_format_name: decimal_0
    description: "Views closed on a fatal error before the first frame (docs/metrics.md#video_start_failure)."
  }

  measure: total_video_playback_failure_count {
    type: sum
    sql: ${video_playback_failure_count} ;;
    label: "Video Playback Failures"
    value_format_name: decimal_0
    description: "Views closed on a fatal error after the first frame (docs/metrics.md#video_playback_failure)."
  }

  measure: total_exit_before_video_start_count {
    type: sum
    sql: ${exit_before_video_start_count} ;;
    label: "Exits Before Video Start"
    value_format_name: decimal_0
    description: "Views left before the first frame, without an error (docs/metrics.md#exit_before_video_start)."
  }

  measure: total_playing_time_ms {
    type: sum
    sql: ${playing_time_ms} ;;
    label: "Playing Time (ms)"
    value_format_name: decimal_0
    description: "Summed playing time (docs/metrics.md#playing_time_ms)."
  }

  measure: total_rebuffer_duration_ms {
    type: sum
    sql: ${rebuffer_duration_ms} ;;
    label: "Rebuffer Duration (ms)"
    value_format_name: decimal_0
    description: "Summed rebuffering time (docs/metrics.md#rebuffer_duration_ms)."
  }

  measure: overall_rebuffer_ratio {
    type: number
    sql: CAST(${total_rebuffer_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} + ${total_rebuffer_duration_ms} AS FLOAT64), 0) ;;
    label: "Rebuffer Ratio"
    value_format_name: percent_2
    description: "Rebuffer duration / (playing time + rebuffer duration), sum over sum (docs/metrics.md#rebuffer_ratio)."
  }

  measure: overall_avg_video_startup_time_ms {
    type: number
    sql: CAST(${sum_video_startup_time_ms} AS FLOAT64) / NULLIF(CAST(${total_video_startup_time_sample_count} AS FLOAT64), 0) ;;
    label: "Average Startup Time (ms)"
    value_format_name: decimal_0
    description: "Summed startup time / started views with a startup time (docs/metrics.md#video_startup_time_ms)."
  }

  measure: overall_video_start_failure_rate {
    type: number
    sql: CAST(${total_video_start_failure_count} AS FLOAT64) / NULLIF(CAST(${total_view_count} AS FLOAT64), 0) ;;
    label: "Video Start Failure Rate"
    value_format_name: percent_2
    description: "Video start failures / views, sum over sum (docs/metrics.md#video_start_failure)."
  }

  measure: overall_avg_bitrate_kbps {
    type: number
    sql: CAST(${total_bitrate_kbps_playing_time_ms} AS FLOAT64) / NULLIF(CAST(${total_bitrate_playing_time_ms} AS FLOAT64), 0) ;;
    label: "Average Bitrate (kbps)"
    value_format_name: decimal_0
    description: "Time-weighted bitrate over playing time at a known bitrate, sum over sum (docs/metrics.md#avg_bitrate_kbps)."
  }

  measure: sum_video_startup_time_ms {
    type: sum
    sql: ${total_video_startup_time_ms} ;;
    label: "Summed Startup Time (ms)"
    value_format_name: decimal_0
    hidden: yes
    description: "Summed startup time of started views; the column is already named total_ (docs/metrics.md#video_startup_time_ms)."
  }

  measure: total_video_startup_time_sample_count {
    type: sum
    sql: ${video_startup_time_sample_count} ;;
    label: "Views with a Startup Time"
    value_format_name: decimal_0
    hidden: yes
    description: "Started views with a known startup time (docs/metrics.md#video_startup_time_ms)."
  }

  measure: total_bitrate_kbps_playing_time_ms {
    type: sum
    sql: ${bitrate_kbps_playing_time_ms} ;;
    label: "Bitrate x Playing Time"
    value_format_name: decimal_0
    hidden: yes
    description: "Summed bitrate_kbps x ms of playing time at a known bitrate (docs/metrics.md#avg_bitrate_kbps)."
  }

  measure: total_bitrate_playing_time_ms {
    type: sum
    sql: ${bitrate_playing_time_ms} ;;
    label: "Playing Time at a Known Bitrate (ms)"
    value_format_name: decimal_0
    hidden: yes
    description: "Summed playing time at a known bitrate (docs/metrics.md#avg_bitrate_kbps)."
  }
}
