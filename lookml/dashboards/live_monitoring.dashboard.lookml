# Live monitoring per minute: what is happening now (fct_qoe_minute, the latest pane per minute).
- dashboard: live_monitoring
  title: Live Monitoring
  layout: newspaper
  description: Concurrent plays, attempts, starts, rebuffer ratio and start failures per minute.
  refresh: 1 minute
  filters:
  - {name: window, title: Window, type: field_filter, default_value: 6 hours, explore: fct_qoe_minute, field: fct_qoe_minute.window_start_minute}
  - {name: date, title: Date, type: field_filter, default_value: 1 days, explore: fct_qoe_minute, field: fct_qoe_minute.window_date}
  elements:
  - name: concurrent_plays_by_minute
    title: Concurrent plays by minute
    model: "@{MODEL}"
    explore: fct_qoe_minute
    type: looker_area
    fields: [fct_qoe_minute.window_start_minute, fct_qoe_minute.max_concurrent_play_count]
    sorts: [fct_qoe_minute.window_start_minute asc]
    limit: 1440
    listen: {window: fct_qoe_minute.window_start_minute, date: fct_qoe_minute.window_date}
  - name: attempts_and_starts_by_minute
    title: Play attempts and video starts by minute
    model: "@{MODEL}"
    explore: fct_qoe_minute
    type: looker_line
    fields: [fct_qoe_minute.window_start_minute, fct_qoe_minute.total_play_attempt_count, fct_qoe_minute.total_video_start_count]
    sorts: [fct_qoe_minute.window_start_minute asc]
    limit: 1440
    listen: {window: fct_qoe_minute.window_start_minute, date: fct_qoe_minute.window_date}
  - name: rebuffer_ratio_by_minute
    title: Rebuffer ratio and start failure rate by minute
    model: "@{MODEL}"
    explore: fct_qoe_minute
    type: looker_line
    fields: [fct_qoe_minute.window_start_minute, fct_qoe_minute.overall_rebuffer_ratio,
      fct_qoe_minute.overall_video_start_failure_rate]
    sorts: [fct_qoe_minute.window_start_minute asc]
    limit: 1440
    listen: {window: fct_qoe_minute.window_start_minute, date: fct_qoe_minute.window_date}
  - name: rebuffer_ratio_by_pop
    title: Rebuffer ratio by PoP
    model: "@{MODEL}"
    explore: fct_qoe_minute
    type: looker_bar
    fields: [fct_qoe_minute.dimension_value, fct_qoe_minute.overall_rebuffer_ratio, fct_qoe_minute.total_playing_time_ms]
    filters: {fct_qoe_minute.dimension: pop}
    sorts: [fct_qoe_minute.overall_rebuffer_ratio desc]
    listen: {window: fct_qoe_minute.window_start_minute, date: fct_qoe_minute.window_date}
