# What is watched and at which quality: content, renditions played, bitrate, ladder.
- dashboard: content_ladder
  title: Content and Ladder
  layout: newspaper
  description: Views, rendition mix, HD share and bitrate per content item and ladder.
  filters:
  - {name: date, title: Date, type: field_filter, default_value: 7 days, explore: fct_views, field: fct_views.view_date}
  - {name: cdn, title: CDN, type: field_filter, default_value: '', explore: fct_views, field: fct_views.cdn}
  - {name: country, title: Country, type: field_filter, default_value: '', explore: fct_views, field: fct_views.country}
  - {name: device, title: Device, type: field_filter, default_value: '', explore: fct_views, field: fct_views.device_type}
  - {name: content, title: Content, type: field_filter, default_value: '', explore: fct_views, field: fct_views.content_id}
  elements:
  - name: rendition_mix_by_content
    title: Views, renditions per view and HD playing time ratio by content
    model: "@{MODEL}"
    explore: fct_views
    type: looker_grid
    fields: [fct_views.content_id, dim_content.content_title, dim_content.ladder, fct_views.view_count,
      fct_views.average_rendition_count, fct_views.overall_hd_playing_time_ratio, fct_views.average_quality_score]
    sorts: [fct_views.view_count desc]
    limit: 50
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, device: fct_views.device_type,
      content: fct_views.content_id}
  - name: bitrate_by_content
    title: Average bitrate by content
    model: "@{MODEL}"
    explore: fct_qoe_daily
    type: looker_bar
    fields: [fct_qoe_daily.content_id, fct_qoe_daily.overall_avg_bitrate_kbps, fct_qoe_daily.total_view_count]
    sorts: [fct_qoe_daily.total_view_count desc]
    limit: 50
    listen: {date: fct_qoe_daily.view_date, cdn: fct_qoe_daily.cdn, country: fct_qoe_daily.country,
      device: fct_qoe_daily.device_type, content: fct_qoe_daily.content_id}
  - name: bitrate_by_ladder_top
    title: Average bitrate and rebuffer ratio by ladder top
    model: "@{MODEL}"
    explore: fct_qoe_daily
    type: looker_column
    fields: [dim_content.ladder_max_bitrate_kbps, fct_qoe_daily.overall_avg_bitrate_kbps, fct_qoe_daily.overall_rebuffer_ratio]
    sorts: [dim_content.ladder_max_bitrate_kbps asc]
    listen: {date: fct_qoe_daily.view_date, cdn: fct_qoe_daily.cdn, country: fct_qoe_daily.country,
      device: fct_qoe_daily.device_type, content: fct_qoe_daily.content_id}
  - name: switches_by_day
    title: Bitrate switches up and down by day
    model: "@{MODEL}"
    explore: fct_views
    type: looker_column
    fields: [fct_views.view_date, fct_views.total_bitrate_switch_up_count, fct_views.total_bitrate_switch_down_count]
    sorts: [fct_views.view_date asc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, country: fct_views.country, device: fct_views.device_type,
      content: fct_views.content_id}
