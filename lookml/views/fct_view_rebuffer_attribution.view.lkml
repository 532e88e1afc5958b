# Generated from dbt/models/marts/fct_view_rebuffer_attribution.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_view_rebuffer_attribution.measures.lkml.
view: fct_view_rebuffer_attribution {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_view_rebuffer_attribution` ;;
  view_label: "Rebuffer Attribution"

  dimension: view_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.view_id ;;
    description: "The view: one playback attempt of one content item (beacon view_id, CMCD sid)."
  }

  dimension: content_id {
    type: string
    sql: ${TABLE}.content_id ;;
    description: "Content id ('(unknown)' in rollups when the view did not say)."
  }

  dimension: device_id {
    type: string
    sql: ${TABLE}.device_id ;;
    description: "Device key: hash of device type, OS, browser, player, player version and app (see dim_device)."
  }

  dimension_group: view {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    convert_tz: no
    group_label: "Partition date (filter on it)"
    sql: ${TABLE}.view_date ;;
    description: "UTC date of the view's start (partition column on BigQuery)."
  }

  dimension: cdn {
    type: string
    sql: ${TABLE}.cdn ;;
    description: "CDN that served the view or request ('(unknown)' in rollups when not known)."
  }

  dimension: edge_cdn {
    type: string
    sql: ${TABLE}.edge_cdn ;;
    description: "CDN of the edge PoP that served most of the view's requests (from the CDN logs), else the view's CDN."
  }

  dimension: edge_pop {
    type: string
    sql: ${TABLE}.edge_pop ;;
    description: "Edge PoP that served most of the view's CMCD-tagged requests during the view (ties: first by name), else the pipeline's pop."
  }

  dimension: country {
    type: string
    sql: ${TABLE}.country ;;
    description: "Viewer country, ISO 3166-1 alpha-2 ('(unknown)' in rollups)."
  }

  dimension: asn {
    type: number
    sql: ${TABLE}.asn ;;
    description: "Viewer autonomous system number."
  }

  dimension: isp {
    type: string
    sql: ${TABLE}.isp ;;
    description: "Viewer ISP name."
  }

  dimension: device_type {
    type: string
    sql: ${TABLE}.device_type ;;
    description: "Device class: desktop, mobile, tablet, tv, console, other, or '(unknown)'."
  }

  dimension: player_name {
    type: string
    sql: ${TABLE}.player_name ;;
    description: "Player library ('(unknown)' in dim_device when not reported)."
  }

  dimension: rebuffer_count {
    type: number
    sql: ${TABLE}.rebuffer_count ;;
    description: "Rebuffering events after the first frame, seek buffering excluded. See docs/metrics.md#rebuffer_count."
  }

  dimension: rebuffer_duration_ms {
    type: number
    sql: ${TABLE}.rebuffer_duration_ms ;;
    description: "Rebuffering time after the first frame, seek buffering excluded, ms. See docs/metrics.md#rebuffer_duration_ms."
  }

  dimension: playing_time_ms {
    type: number
    sql: ${TABLE}.playing_time_ms ;;
    description: "Time spent playing, ms (pauses, rebuffering and seek buffering excluded). See docs/metrics.md#playing_time_ms."
  }

  dimension: rebuffer_ratio {
    type: number
    sql: ${TABLE}.rebuffer_ratio ;;
    description: "rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when both are 0. In rollups a convenience: re-aggregate as sum over sum. See docs/metrics.md#rebuffer_ratio."
  }

  dimension: request_count {
    type: number
    sql: ${TABLE}.request_count ;;
    description: "CDN requests (deduplicated). See docs/metrics.md#cdn-aggregates."
  }

  dimension: media_request_count {
    type: number
    sql: ${TABLE}.media_request_count ;;
    description: "Requests for media segments (CMCD ot v, av or a)."
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

  dimension: edge_pop_count {
    type: number
    sql: ${TABLE}.edge_pop_count ;;
    description: "Distinct edge PoPs that served the view."
  }

  dimension: bytes_sent {
    type: number
    sql: ${TABLE}.bytes_sent ;;
    description: "Bytes the edge sent to viewers, headers included."
  }

  dimension: transfer_time_ms {
    type: number
    sql: ${TABLE}.transfer_time_ms ;;
    description: "Sum of edge time-taken of requests with bytes_sent, ms: the denominator of delivery_throughput_kbps. See docs/metrics.md#cdn-aggregates."
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

  dimension: has_rebuffered {
    type: yesno
    sql: ${TABLE}.has_rebuffered ;;
    description: "rebuffer_count > 0. See docs/metrics.md#rebuffer_count."
  }

  dimension: has_cdn_requests {
    type: yesno
    sql: ${TABLE}.has_cdn_requests ;;
    description: "At least one CDN request was joined to the view through CMCD sid during the view."
  }

  dimension: is_final {
    type: yesno
    sql: ${TABLE}.is_final ;;
    description: "True for the version emitted when the view or session closed; false while open."
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.started_at ;;
    description: "Start, UTC (views: first event, client clock)."
  }
}
