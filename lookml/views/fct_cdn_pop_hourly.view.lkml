# Generated from dbt/models/marts/fct_cdn_pop_hourly.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_cdn_pop_hourly.measures.lkml.
view: fct_cdn_pop_hourly {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_cdn_pop_hourly` ;;
  view_label: "CDN PoP Hourly"

  dimension: cdn_pop_hourly_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.cdn_pop_hourly_key ;;
    description: "Hash of request_hour_at, cdn and pop: the grain."
  }

  dimension_group: request_hour {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.request_hour_at ;;
    description: "Start of the UTC hour in which the edge received the requests."
  }

  dimension_group: request {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    group_label: "Partition date (filter on it)"
    sql: ${TABLE}.request_date ;;
    description: "UTC date of request_hour_at (partition column on BigQuery)."
  }

  dimension: cdn {
    type: string
    sql: ${TABLE}.cdn ;;
    description: "CDN that served the view or request ('(unknown)' in rollups when not known)."
  }

  dimension: pop {
    type: string
    sql: ${TABLE}.pop ;;
    description: "Edge PoP that served most of the view's requests, per the pipeline ('(unknown)' in rollups)."
  }

  dimension: request_count {
    type: number
    sql: ${TABLE}.request_count ;;
    description: "CDN requests (deduplicated). See docs/metrics.md#cdn-aggregates."
  }

  dimension: cmcd_request_count {
    type: number
    sql: ${TABLE}.cmcd_request_count ;;
    description: "Requests that carried a CMCD session id."
  }

  dimension: view_count {
    type: number
    sql: ${TABLE}.view_count ;;
    description: "Distinct views (CMCD session ids) among the hour's requests; a view served in several hours counts in each, so this does not sum to the views in fct_views."
  }

  dimension: bytes_sent {
    type: number
    sql: ${TABLE}.bytes_sent ;;
    description: "Bytes the edge sent to viewers, headers included."
  }

  dimension: cache_hit_count {
    type: number
    sql: ${TABLE}.cache_hit_count ;;
    description: "Requests served from the edge cache (cache_result hit). See docs/metrics.md#cdn-aggregates."
  }

  dimension: cache_miss_count {
    type: number
    sql: ${TABLE}.cache_miss_count ;;
    description: "Requests fetched from origin (cache_result miss or refresh). See docs/metrics.md#cdn-aggregates."
  }

  dimension: error_count {
    type: number
    sql: ${TABLE}.error_count ;;
    description: "Requests with status >= 500, 0 (client abort) or cache_result error. See docs/metrics.md#cdn-aggregates."
  }

  dimension: buffer_starvation_request_count {
    type: number
    sql: ${TABLE}.buffer_starvation_request_count ;;
    description: "Requests whose CMCD said the buffer ran dry since the previous request (bs)."
  }

  dimension: total_ttfb_ms {
    type: number
    sql: ${TABLE}.total_ttfb_ms ;;
    description: "Sum of edge time to first byte, ms: the numerator of avg_ttfb_ms. See docs/metrics.md#cdn-aggregates."
  }

  dimension: ttfb_sample_count {
    type: number
    sql: ${TABLE}.ttfb_sample_count ;;
    description: "Requests with a time to first byte: the denominator of avg_ttfb_ms. See docs/metrics.md#cdn-aggregates."
  }

  dimension: transfer_time_ms {
    type: number
    sql: ${TABLE}.transfer_time_ms ;;
    description: "Sum of edge time-taken of requests with bytes_sent, ms: the denominator of delivery_throughput_kbps. See docs/metrics.md#cdn-aggregates."
  }

  dimension: cache_hit_ratio {
    type: number
    sql: ${TABLE}.cache_hit_ratio ;;
    description: "cache_hit_count / (cache_hit_count + cache_miss_count); null without hits or misses. See docs/metrics.md#cdn-aggregates."
  }

  dimension: error_rate {
    type: number
    sql: ${TABLE}.error_rate ;;
    description: "error_count / request_count. See docs/metrics.md#cdn-aggregates."
  }

  dimension: avg_ttfb_ms {
    type: number
    sql: ${TABLE}.avg_ttfb_ms ;;
    description: "total_ttfb_ms / ttfb_sample_count. See docs/metrics.md#cdn-aggregates."
  }

  dimension: delivery_throughput_kbps {
    type: number
    sql: ${TABLE}.delivery_throughput_kbps ;;
    description: "bytes_sent x 8 / transfer_time_ms: edge delivery throughput, kbps. See docs/metrics.md#cdn-aggregates."
  }

  dimension_group: last_ingested {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.last_ingested_at ;;
    description: "Latest landing time of the rows behind this row, UTC (drives incremental runs)."
  }
}
