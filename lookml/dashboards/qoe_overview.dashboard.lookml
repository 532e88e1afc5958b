# Headline QoE over time: attempts, plays, startup, rebuffering, failures (docs/metrics.md).
- dashboard: qoe_overview
  title: QoE Overview
  layout: newspaper
  description: Play attempts, video starts, startup time, rebuffer ratio and failures over time.
  filters:
  - {name: date, title: Date, type: field_filter, default_value: 7 days, explore: fct_views, field: fct_views.view_date}
  - {name: cdn, title: CDN, type: field_filter, default_value: '', explore: fct_views, field: fct_views.cdn}
  - {name: pop, title: PoP, type: field_filter, default_value: '', explore: fct_views, field: fct_views.pop}
  - {name: country, title: Country, type: field_filter, default_value: '', explore: fct_views, field: fct_views.country}
  - {name: isp, title: ISP, type: field_filter, default_value: '', explore: fct_views, field: fct_views.isp}
  - {name: device, title: Device, type: field_filter, default_value: '', explore: fct_views, field: fct_views.device_type}
  - {name: content, title: Content, type: field_filter, default_value: '', explore: fct_views, field: fct_views.content_id}
  elements:
  - name: headline_by_cdn
    title: Views, starts, startup p95 and rebuffer ratio by CDN
    model: "@{MODEL}"
    explore: fct_views
    type: looker_grid
    fields: [fct_views.cdn, fct_views.view_count, fct_views.video_start_count, fct_views.p50_video_startup_time_ms,
      fct_views.p95_video_startup_time_ms, fct_views.overall_rebuffer_ratio, fct_views.video_start_failure_rate]
    sorts: [fct_views.view_count desc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
  - name: attempts_and_plays_by_hour
    title: Views and video starts by hour
    model: "@{MODEL}"
    explore: fct_views
    type: looker_line
    fields: [fct_views.started_hour, fct_views.view_count, fct_views.video_start_count]
    sorts: [fct_views.started_hour asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
  - name: startup_by_hour
    title: Startup time p50 and p95 by hour
    model: "@{MODEL}"
    explore: fct_views
    type: looker_line
    fields: [fct_views.started_hour, fct_views.p50_video_startup_time_ms, fct_views.p95_video_startup_time_ms]
    sorts: [fct_views.started_hour asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
  - name: rebuffer_ratio_by_hour
    title: Rebuffer ratio by hour
    model: "@{MODEL}"
    explore: fct_views
    type: looker_line
    fields: [fct_views.started_hour, fct_views.overall_rebuffer_ratio]
    sorts: [fct_views.started_hour asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
  - name: failures_by_hour
    title: Start failures, playback failures and exits before video start by hour
    model: "@{MODEL}"
    explore: fct_views
    type: looker_column
    fields: [fct_views.started_hour, fct_views.video_start_failure_count, fct_views.video_playback_failure_count,
      fct_views.exit_before_video_start_count]
    sorts: [fct_views.started_hour asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
  - name: scores_by_day
    title: Startup, smoothness and quality scores by day
    model: "@{MODEL}"
    explore: fct_views
    type: looker_line
    fields: [fct_views.view_date, fct_views.average_startup_score, fct_views.average_smoothness_score,
      fct_views.average_quality_score]
    sorts: [fct_views.view_date asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country,
      isp: fct_views.isp, device: fct_views.device_type, content: fct_views.content_id}
