# Who watches, from where and on what: country, ISP/ASN, device and player.
- dashboard: audience_network
  title: Audience and Network
  layout: newspaper
  description: Views, viewers and QoE by country, ISP and ASN, device type and player.
  filters:
  - {name: date, title: Date, type: field_filter, default_value: 7 days, explore: fct_views, field: fct_views.view_date}
  - {name: cdn, title: CDN, type: field_filter, default_value: '', explore: fct_views, field: fct_views.cdn}
  - {name: country, title: Country, type: field_filter, default_value: '', explore: fct_views, field: fct_views.country}
  - {name: isp, title: ISP, type: field_filter, default_value: '', explore: fct_views, field: fct_views.isp}
  - {name: device, title: Device, type: field_filter, default_value: '', explore: fct_views, field: dim_device.device_type}
  elements:
  - name: viewers_by_country
    title: Distinct viewers, views and rebuffer ratio by country
    model: "@{MODEL}"
    explore: fct_views
    type: looker_grid
    fields: [fct_views.country, fct_views.viewer_count, fct_views.view_count, fct_views.overall_rebuffer_ratio]
    sorts: [fct_views.view_count desc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, isp: fct_views.isp,
      device: dim_device.device_type}
  - name: rebuffer_by_isp
    title: Rebuffer ratio and startup time p95 by ISP and ASN
    model: "@{MODEL}"
    explore: fct_views
    type: looker_grid
    fields: [fct_views.isp, fct_views.asn, fct_views.view_count, fct_views.overall_rebuffer_ratio, fct_views.p95_video_startup_time_ms]
    sorts: [fct_views.view_count desc]
    limit: 50
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, isp: fct_views.isp,
      device: dim_device.device_type}
  - name: qoe_by_device
    title: Views, start failure rate and rebuffer ratio by device type
    model: "@{MODEL}"
    explore: fct_views
    type: looker_bar
    fields: [dim_device.device_type, fct_views.view_count, fct_views.video_start_failure_rate, fct_views.overall_rebuffer_ratio]
    sorts: [fct_views.view_count desc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, isp: fct_views.isp,
      device: dim_device.device_type}
  - name: qoe_by_player
    title: Startup time p95 and smoothness score by player
    model: "@{MODEL}"
    explore: fct_views
    type: looker_bar
    fields: [dim_device.player_name, fct_views.p95_video_startup_time_ms, fct_views.average_smoothness_score, fct_views.view_count]
    sorts: [fct_views.view_count desc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, isp: fct_views.isp,
      device: dim_device.device_type}
  - name: sessions_by_day
    title: Viewer sessions and distinct viewers by day
    model: "@{MODEL}"
    explore: fct_views
    type: looker_column
    fields: [fct_views.view_date, fct_viewer_sessions.viewer_session_count, fct_views.viewer_count]
    sorts: [fct_views.view_date asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, isp: fct_views.isp,
      device: dim_device.device_type}
