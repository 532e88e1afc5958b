# Measures of fct_cdn_pop_hourly (hour x CDN x PoP, from the CDN logs). Ratios are sum over sum
# of the hourly numerators and denominators; TTFB percentiles do not roll up and are left out.
view: +fct_cdn_pop_hourly {
  measure: total_request_count {
    type: sum
    sql: ${request_count} ;;
    label: "CDN Requests"
    value_format_name: decimal_0
    description: "Requests in the CDN logs (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_bytes_sent {
    type: sum
    sql: ${bytes_sent} ;;
    label: "Bytes Sent"
    value_format_name: decimal_0
    description: "Summed bytes sent by the edge (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_cache_hit_count {
    type: sum
    sql: ${cache_hit_count} ;;
    label: "Cache Hits"
    value_format_name: decimal_0
    description: "Requests served from the edge cache (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_cache_miss_count {
    type: sum
    sql: ${cache_miss_count} ;;
    label: "Cache Misses"
    value_format_name: decimal_0
    description: "Requests the edge fetched from upstream (miss or refresh) (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_error_count {
    type: sum
    sql: ${error_count} ;;
    label: "CDN Errors"
    value_format_name: decimal_0
    description: "Requests with status >= 500, 0 or a cache error (docs/metrics.md#cdn-aggregates)."
  }

  measure: sum_ttfb_ms {
    type: sum
    sql: ${total_ttfb_ms} ;;
    label: "Summed TTFB (ms)"
    value_format_name: decimal_0
    description: "Summed time to first byte (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_ttfb_sample_count {
    type: sum
    sql: ${ttfb_sample_count} ;;
    label: "TTFB Samples"
    value_format_name: decimal_0
    description: "Requests with a time to first byte (docs/metrics.md#cdn-aggregates)."
  }

  measure: total_transfer_time_ms {
    type: sum
    sql: ${transfer_time_ms} ;;
    label: "Transfer Time (ms)"
    value_format_name: decimal_0
    description: "Summed transfer time of the requests (docs/metrics.md#cdn-aggregates)."
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

  measure: overall_delivery_throughput_kbps {
    type: number
    sql: CAST(${total_bytes_sent} * 8 AS FLOAT64) / NULLIF(CAST(${total_transfer_time_ms} AS FLOAT64), 0) ;;
    label: "Delivery Throughput (kbps)"
    value_format_name: decimal_0
    description: "Bits sent / transfer time in ms, sum over sum (docs/metrics.md#cdn-aggregates)."
  }
}
