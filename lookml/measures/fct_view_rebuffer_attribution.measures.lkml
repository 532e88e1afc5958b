# Measures of fct_view_rebuffer_attribution (one row per view, its rebuffering beside its CDN
# delivery): which edge PoP or ISP made viewers rebuffer. Ratios are sum over sum.
view: +fct_view_rebuffer_attribution {
  measure: attributed_view_count {
    type: count
    filters: [has_cdn_requests: "yes"]
    label: "Views with CDN Requests"
    value_format_name: decimal_0
    description: "Views matched to at least one CDN request through the CMCD session id (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_rebuffer_duration_ms {
    type: sum
    sql: ${rebuffer_duration_ms} ;;
    label: "Rebuffer Duration (ms)"
    value_format_name: decimal_0
    description: "Summed rebuffering time (docs/metrics.md#rebuffer_duration_ms)."
  }

  measure: total_playing_time_ms {
    type: sum
    sql: ${playing_time_ms} ;;
    label: "Playing Time (ms)"
    value_format_name: decimal_0
    description: "Summed playing time (docs/metrics.md#playing_time_ms)."
  }

  measure: overall_rebuffer_ratio {
    type: number
    sql: CAST(${total_rebuffer_duration_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_time_ms} + ${total_rebuffer_duration_ms} AS FLOAT64), 0) ;;
    label: "Rebuffer Ratio"
    value_format_name: percent_2
    description: "Rebuffer duration / (playing time + rebuffer duration), sum over sum (docs/metrics.md#rebuffer_ratio)."
  }

  measure: total_request_count {
    type: sum
    sql: ${request_count} ;;
    label: "CDN Requests"
    value_format_name: decimal_0
    description: "CDN requests attributed to the views (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_cache_hit_count {
    type: sum
    sql: ${cache_hit_count} ;;
    label: "Cache Hits"
    value_format_name: decimal_0
    description: "Attributed requests served from the edge cache (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_cache_miss_count {
    type: sum
    sql: ${cache_miss_count} ;;
    label: "Cache Misses"
    value_format_name: decimal_0
    description: "Attributed requests the edge fetched from upstream (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_error_count {
    type: sum
    sql: ${error_count} ;;
    label: "CDN Errors"
    value_format_name: decimal_0
    description: "Attributed requests with status >= 500, 0 or a cache error (docs/metrics.md#cdn-aggregates)."
  }

  measure: sum_ttfb_ms {
    type: sum
    sql: ${total_ttfb_ms} ;;
    label: "Summed TTFB (ms)"
    value_format_name: decimal_0
    description: "Summed time to first byte of the attributed requests (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_ttfb_sample_count {
    type: sum
    sql: ${ttfb_sample_count} ;;
    label: "TTFB Samples"
    value_format_name: decimal_0
    description: "Attributed requests with a time to first byte (docs/metrics.md#cdn-aggregates)."
  }

  measure: overall_cache_hit_ratio {
    type: number
    sql: CAST(${total_cache_hit_count} AS FLOAT64) / NULLIF(CAST(${total_cache_hit_count} + ${total_cache_miss_count} AS FLOAT64), 0) ;;
    label: "Cache Hit Ratio"
    value_format_name: percent_1
    description: "Cache hits / (hits + misses), sum over sum (docs/metrics.md#cdn-aggregates)."
  }

  measure: overall_error_rate {
    type: number
    sql: CAST(${total_error_count} AS FLOAT64) / NULLIF(CAST(${total_request_count} AS FLOAT64), 0) ;;
    label: "CDN Error Rate"
    value_format_name: percent_2
    description: "CDN errors / requests, sum over sum (docs/metrics.md#cdn-aggregates)."
  }

  measure: overall_avg_ttfb_ms {
    type: number
    sql: CAST(${sum_ttfb_ms} AS FLOAT64) / NULLIF(CAST(${total_ttfb_sample_count} AS FLOAT64), 0) ;;
    label: "Average TTFB (ms)"
    value_format_name: decimal_0
    description: "Summed TTFB / TTFB samples (docs/metrics.md#cdn-aggregates)."
  }
}
