# Measures of fct_views (one row per view), each named after its metric in docs/metrics.md with
# the aggregation in front. Ratios are sum over sum of other measures, never averages of the
# per-view ratio columns.
view: +fct_views {
  measure: view_count {
    type: count
    label: "Views"
    value_format_name: decimal_0
    description: "Views: play attempts, one per view (docs/metrics.md#the-timeline)."
  }

  measure: video_start_count {
    type: count
    filters: [is_video_start: "yes"]
    label: "Video Starts"
    value_format_name: decimal_0
    description: "Views whose first frame was rendered (docs/metrics.md#video_startup_time_ms)."
  }

  measure: video_start_failure_count {
    type: count
    filters: [has_video_start_failure: "yes"]
    label: "Video Start Failures"
    value_format_name: decimal_0
    description: "Views closed on a fatal error before the first frame (docs/metrics.md#video_start_failure)."
  }

  measure: video_playback_failure_count {
    type: count
    filters: [has_video_playback_failure: "yes"]
    label: "Video Playback Failures"
    value_format_name: decimal_0
    description: "Views closed on a fatal error after the first frame (docs/metrics.md#video_playback_failure)."
  }

  measure: exit_before_video_start_count {
    type: count
    filters: [is_exit_before_video_start: "yes"]
    label: "Exits Before Video Start"
    value_format_name: decimal_0
    description: "Views the viewer left before the first frame, without an error (docs/metrics.md#exit_before_video_start)."
  }

  measure: rebuffered_view_count {
    type: count
    filters: [has_rebuffered: "yes"]
    label: "Rebuffered Views"
    value_format_name: decimal_0
    description: "Views with at least one stall (docs/metrics.md#rebuffer_count)."
  }

  measure: viewer_count {
    type: count_distinct
    sql: ${viewer_id} ;;
    label: "Distinct Viewers"
    value_format_name: decimal_0
    description: "Distinct viewer ids; CMCD-only views carry none (docs/metrics.md#viewer-sessions)."
  }

  measure: video_start_failure_rate {
    type: number
    sql: CAST(${video_start_failure_count} AS FLOAT64) / NULLIF(CAST(${view_count} AS FLOAT64), 0) ;;
    label: "Video Start Failure Rate"
    value_format_name: percent_2
    description: "Video start failures / views (docs/metrics.md#video_start_failure)."
  }

  measure: video_playback_failure_rate {
    type: number
    sql: CAST(${video_playback_failure_count} AS FLOAT64) / NULLIF(CAST(${view_count} AS FLOAT64), 0) ;;
    label: "Video Playback Failure Rate"
    value_format_name: percent_2
    description: "Video playback failures / views, as Mux's Playback Failure Percentage (docs/metrics.md#video_playback_failure)."
  }

  measure: exit_before_video_start_rate {
    type: number
    sql: CAST(${exit_before_video_start_count} AS FLOAT64) / NULLIF(CAST(${view_count} AS FLOAT64), 0) ;;
    label: "Exit Before Video Start Rate"
    value_format_name: percent_2
    description: "Exits before video start / views (docs/metrics.md#exit_before_video_start)."
  }

  measure: p50_video_startup_time_ms {
    type: percentile
    percentile: 50
    sql: ${video_startup_time_ms} ;;
    label: "Startup Time p50 (ms)"
    value_format_name: decimal_0
    description: "Median play request to first frame over started views (docs/metrics.md#video_startup_time_ms)."
  }

  measure: p95_video_startup_time_ms {
    type: percentile
    percentile: 95
    sql: ${video_startup_time_ms} ;;
    label: "Startup Time p95 (ms)"
    value_format_name: decimal_0
    description: "95th percentile of play request to first frame over started views (docs/metrics.md#video_startup_time_ms)."
  }

  measure: average_video_startup_time_ms {
    type: average
    sql: ${video_startup_time_ms} ;;
    label: "Average Startup Time (ms)"
    value_format_name: decimal_0
    description: "Mean play request to first frame over started views (docs/metrics.md#video_startup_time_ms)."
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

  measure: total_rebuffer_count {
    type: sum
    sql: ${rebuffer_count} ;;
    label: "Rebuffers"
    value_format_name: decimal_0
    description: "Summed stalls (docs/metrics.md#rebuffer_count)."
  }

  measure: overall_rebuffer_ratio {
    type: number
    sql: CAST(${total_rebuffer_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} + ${total_rebuffer_duration_ms} AS FLOAT64), 0) ;;
    label: "Rebuffer Ratio"
    value_format_name: percent_2
    description: "Rebuffer duration / (playing time + rebuffer duration), sum over sum (docs/metrics.md#rebuffer_ratio)."
  }

  measure: total_seek_count {
    type: sum
    sql: ${seek_count} ;;
    label: "Seeks"
    value_format_name: decimal_0
    description: "Summed seeks after the first frame (docs/metrics.md#seek_count)."
  }

  measure: total_seek_buffering_duration_ms {
    type: sum
    sql: ${seek_buffering_duration_ms} ;;
    label: "Seek Buffering Duration (ms)"
    value_format_name: decimal_0
    description: "Summed buffering caused by seeks (docs/metrics.md#seek_buffering_duration_ms)."
  }

  measure: total_bitrate_switch_count {
    type: sum
    sql: ${bitrate_switch_count} ;;
    label: "Bitrate Switches"
    value_format_name: decimal_0
    description: "Summed bitrate switches (docs/metrics.md#bitrate_switch_count)."
  }

  measure: total_bitrate_switch_up_count {
    type: sum
    sql: ${bitrate_switch_up_count} ;;
    label: "Bitrate Switches Up"
    value_format_name: decimal_0
    description: "Summed switches to a higher bitrate (docs/metrics.md#bitrate_switch_up_count)."
  }

  measure: total_bitrate_switch_down_count {
    type: sum
    sql: ${bitrate_switch_down_count} ;;
    label: "Bitrate Switches Down"
    value_format_name: decimal_0
    description: "Summed switches to a lower bitrate (docs/metrics.md#bitrate_switch_down_count)."
  }

  measure: total_hd_playing_time_ms {
    type: sum
    sql: ${hd_playing_time_ms} ;;
    label: "HD Playing Time (ms)"
    value_format_name: decimal_0
    description: "Summed playing time on renditions at least 720 px tall (docs/metrics.md#time_per_rendition)."
  }

  measure: overall_hd_playing_time_ratio {
    type: number
    sql: CAST(${total_hd_playing_time_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} AS FLOAT64), 0) ;;
    label: "HD Playing Time Ratio"
    value_format_name: percent_1
    description: "HD playing time / playing time, sum over sum (docs/metrics.md#time_per_rendition)."
  }

  measure: average_rendition_count {
    type: average
    sql: ${rendition_count} ;;
    label: "Renditions per View"
    value_format_name: decimal_2
    description: "Mean number of distinct renditions a view played (docs/metrics.md#time_per_rendition)."
  }

  measure: average_startup_score {
    type: average
    sql: ${startup_score} ;;
    label: "Startup Score"
    value_format_name: decimal_1
    description: "Mean per-view startup score, 0-100; EBVS views are not scored (docs/metrics.md#startup_score)."
  }

  measure: average_smoothness_score {
    type: average
    sql: ${smoothness_score} ;;
    label: "Smoothness Score"
    value_format_name: decimal_1
    description: "Mean per-view smoothness score, 0-100 (docs/metrics.md#smoothness_score)."
  }

  measure: average_quality_score {
    type: average
    sql: ${quality_score} ;;
    label: "Quality Score"
    value_format_name: decimal_1
    description: "Mean per-view quality score, 0-100 (docs/metrics.md#quality_score)."
  }
}
