# Which CDN and PoP made viewers rebuffer: player rebuffering beside CDN delivery, and the logs.
- dashboard: cdn_pop_health
  title: CDN and PoP Health
  layout: newspaper
  description: Rebuffering attributed to the edge PoP that served each view, and delivery health from the CDN logs.
  filters:
  - {name: date, title: Date, type: field_filter, default_value: 7 days, explore: fct_views, field: fct_views.view_date}
  - {name: cdn, title: CDN, type: field_filter, default_value: '', explore: fct_views, field: fct_view_rebuffer_attribution.edge_cdn}
  - {name: pop, title: PoP, type: field_filter, default_value: '', explore: fct_views, field: fct_view_rebuffer_attribution.edge_pop}
  - {name: country, title: Country, type: field_filter, default_value: '', explore: fct_views, field: fct_views.country}
  - {name: isp, title: ISP, type: field_filter, default_value: '', explore: fct_views, field: fct_views.isp}
  elements:
  - name: rebuffer_by_edge_pop
    title: Rebuffer ratio and cache hit ratio by edge PoP
    model: "@{MODEL}"
    explore: fct_views
    type: looker_grid
    fields: [fct_view_rebuffer_attribution.edge_cdn, fct_view_rebuffer_attribution.edge_pop,
      fct_view_rebuffer_attribution.attributed_view_count, fct_view_rebuffer_attribution.overall_rebuffer_ratio,
      fct_view_rebuffer_attribution.overall_cache_hit_ratio, fct_view_rebuffer_attribution.overall_error_rate,
      fct_view_rebuffer_attribution.overall_avg_ttfb_ms]
    filters: {fct_view_rebuffer_attribution.has_cdn_requests: 'yes'}
    sorts: [fct_view_rebuffer_attribution.overall_rebuffer_ratio desc]
    listen: {date: fct_views.view_date, cdn: fct_view_rebuffer_attribution.edge_cdn, pop: fct_view_rebuffer_attribution.edge_pop,
      country: fct_views.country, isp: fct_views.isp}
  - name: startup_by_pop
    title: Startup time p95 by PoP
    model: "@{MODEL}"
    explore: fct_views
    type: looker_bar
    fields: [fct_views.pop, fct_views.p95_video_startup_time_ms, fct_views.view_count]
    sorts: [fct_views.p95_video_startup_time_ms desc]
    listen: {date: fct_views.view_date, cdn: fct_views.cdn, pop: fct_views.pop, country: fct_views.country, isp: fct_views.isp}
  - name: cache_hit_ratio_by_pop
    title: Requests, cache hit ratio and error rate by PoP
    model: "@{MODEL}"
    explore: fct_cdn_pop_hourly
    type: looker_grid
    fields: [fct_cdn_pop_hourly.cdn, fct_cdn_pop_hourly.pop, fct_cdn_pop_hourly.total_request_count,
      fct_cdn_pop_hourly.overall_cache_hit_ratio, fct_cdn_pop_hourly.overall_error_rate,
      fct_cdn_pop_hourly.overall_avg_ttfb_ms, fct_cdn_pop_hourly.overall_delivery_throughput_kbps]
    sorts: [fct_cdn_pop_hourly.total_request_count desc]
    listen: {date: fct_cdn_pop_hourly.request_date, cdn: fct_cdn_pop_hourly.cdn, pop: fct_cdn_pop_hourly.pop}
  - name: error_rate_by_hour
    title: CDN error rate and average TTFB by hour
    model: "@{MODEL}"
    explore: fct_cdn_pop_hourly
    type: looker_line
    fields: [fct_cdn_pop_hourly.request_hour_hour, fct_cdn_pop_hourly.overall_error_rate, fct_cdn_pop_hourly.overall_avg_ttfb_ms]
    sorts: [fct_cdn_pop_hourly.request_hour_hour asc]
    listen: {date: fct_cdn_pop_hourly.request_date, cdn: fct_cdn_pop_hourly.cdn, pop: fct_cdn_pop_hourly.pop}
