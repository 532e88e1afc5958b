# Generated from dbt/models/marts/fct_views.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/fct_views.measures.lkml.
view: fct_views {
  sql_table_name: `@{PROJECT}.@{DATASET}.fct_views` ;;
  view_label: "Views"

  dimension: view_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.view_id ;;
    description: "The view: one playback attempt of one content item (beacon view_id, CMCD sid)."
  }

  dimension: session_id {
    type: string
    sql: ${TABLE}.session_id ;;
    description: "The player's app or browser session holding the view (beacon only)."
  }

  dimension: viewer_id {
    type: string
    sql: ${TABLE}.viewer_id ;;
    description: "Pseudonymous, stable viewer id (salted hash); null for CMCD-only views, whose players send no viewer id."
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

  dimension: telemetry_source {
    type: string
    sql: ${TABLE}.telemetry_source ;;
    description: "Telemetry the view was computed from: beacon or cmcd."
  }

  dimension: stream_type {
    type: string
    sql: ${TABLE}.stream_type ;;
    description: "vod or live."
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

  dimension: os_name {
    type: string
    sql: ${TABLE}.os_name ;;
    description: "Operating system ('(unknown)' in dim_device when not reported)."
  }

  dimension: browser_name {
    type: string
    sql: ${TABLE}.browser_name ;;
    description: "Browser ('(unknown)' in dim_device when not reported)."
  }

  dimension: player_name {
    type: string
    sql: ${TABLE}.player_name ;;
    description: "Player library ('(unknown)' in dim_device when not reported)."
  }

  dimension: player_version {
    type: string
    sql: ${TABLE}.player_version ;;
    description: "Player library version ('(unknown)' in dim_device when not reported)."
  }

  dimension: app_name {
    type: string
    sql: ${TABLE}.app_name ;;
    description: "Application name ('(unknown)' in dim_device when not reported)."
  }

  dimension: close_reason {
    type: string
    sql: ${TABLE}.close_reason ;;
    description: "Why the view closed: exit, ended, fatal_error, inactivity; null while open."
  }

  dimension: error_code {
    type: string
    sql: ${TABLE}.error_code ;;
    description: "Code of the fatal error, when there was one."
  }

  dimension: event_count {
    type: number
    sql: ${TABLE}.event_count ;;
    description: "Distinct player events in the view, or distinct notifications of the job."
  }

  dimension: video_startup_time_ms {
    type: number
    sql: ${TABLE}.video_startup_time_ms ;;
    description: "Play request to first frame, ms; null when video never started. See docs/metrics.md#video_startup_time_ms."
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

  dimension: rebuffer_ratio {
    type: number
    sql: ${TABLE}.rebuffer_ratio ;;
    description: "rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when both are 0. In rollups a convenience: re-aggregate as sum over sum. See docs/metrics.md#rebuffer_ratio."
  }

  dimension: playing_time_ms {
    type: number
    sql: ${TABLE}.playing_time_ms ;;
    description: "Time spent playing, ms (pauses, rebuffering and seek buffering excluded). See docs/metrics.md#playing_time_ms."
  }

  dimension: seek_count {
    type: number
    sql: ${TABLE}.seek_count ;;
    description: "Seeks after the first frame."
  }

  dimension: seek_buffering_duration_ms {
    type: number
    sql: ${TABLE}.seek_buffering_duration_ms ;;
    description: "Buffering time caused by seeks, ms (not rebuffering)."
  }

  dimension: avg_bitrate_kbps {
    type: number
    sql: ${TABLE}.avg_bitrate_kbps ;;
    description: "Time-weighted average encoded bitrate over playing time, kbps. See docs/metrics.md#avg_bitrate_kbps."
  }

  dimension: bitrate_switch_count {
    type: number
    sql: ${TABLE}.bitrate_switch_count ;;
    description: "Rendition changes during the view. See docs/metrics.md#bitrate_switch_count."
  }

  dimension: bitrate_switch_up_count {
    type: number
    sql: ${TABLE}.bitrate_switch_up_count ;;
    description: "Switches to a higher bitrate. See docs/metrics.md#bitrate_switch_up_count."
  }

  dimension: bitrate_switch_down_count {
    type: number
    sql: ${TABLE}.bitrate_switch_down_count ;;
    description: "Switches to a lower bitrate. See docs/metrics.md#bitrate_switch_down_count."
  }

  dimension: dropped_frame_ratio {
    type: number
    sql: ${TABLE}.dropped_frame_ratio ;;
    description: "Dropped frames / decoded frames over the view; null when not reported. See docs/metrics.md#dropped_frame_ratio."
  }

  dimension: rendition_count {
    type: number
    sql: ${TABLE}.rendition_count ;;
    description: "Distinct renditions (bitrates) the view played, from time_per_rendition. See docs/metrics.md#time_per_rendition."
  }

  dimension: hd_playing_time_ms {
    type: number
    sql: ${TABLE}.hd_playing_time_ms ;;
    description: "Playing time on renditions at least var('hd_min_height_px') (720) pixels tall, ms. See docs/metrics.md#time_per_rendition."
  }

  dimension: hd_playing_time_ratio {
    type: number
    sql: ${TABLE}.hd_playing_time_ratio ;;
    description: "hd_playing_time_ms / playing_time_ms; null without playing time. See docs/metrics.md#time_per_rendition."
  }

  dimension: startup_score {
    type: number
    sql: ${TABLE}.startup_score ;;
    description: "0-100 score of startup experience. See docs/metrics.md#startup_score."
  }

  dimension: smoothness_score {
    type: number
    sql: ${TABLE}.smoothness_score ;;
    description: "0-100 score of playback smoothness. See docs/metrics.md#smoothness_score."
  }

  dimension: quality_score {
    type: number
    sql: ${TABLE}.quality_score ;;
    description: "0-100 score of picture quality. See docs/metrics.md#quality_score."
  }

  dimension: is_video_start {
    type: yesno
    sql: ${TABLE}.is_video_start ;;
    description: "The first frame was rendered. See docs/metrics.md#video_startup_time_ms."
  }

  dimension: is_exit_before_video_start {
    type: yesno
    sql: ${TABLE}.is_exit_before_video_start ;;
    description: "The viewer left after the play request and before the first frame, without an error. See docs/metrics.md#exit_before_video_start."
  }

  dimension: has_video_start_failure {
    type: yesno
    sql: ${TABLE}.has_video_start_failure ;;
    description: "A fatal error before the first frame. See docs/metrics.md#video_start_failure."
  }

  dimension: has_video_playback_failure {
    type: yesno
    sql: ${TABLE}.has_video_playback_failure ;;
    description: "A fatal error after the first frame. See docs/metrics.md#video_playback_failure."
  }

  dimension: has_rebuffered {
    type: yesno
    sql: ${TABLE}.has_rebuffered ;;
    description: "rebuffer_count > 0. See docs/metrics.md#rebuffer_count."
  }

  dimension: is_final {
    type: yesno
    sql: ${TABLE}.is_final ;;
    description: "True for the version emitted when the view or session closed; false while open."
  }

  dimension: view_version {
    type: number
    sql: ${TABLE}.view_version ;;
    description: "Version of the view row kept (the highest landed)."
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.started_at ;;
    description: "Start, UTC (views: first event, client clock)."
  }

  dimension_group: first_frame {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.first_frame_at ;;
    description: "First frame rendered, UTC; null when video never started."
  }

  dimension_group: ended {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.ended_at ;;
    description: "Closing time, UTC; null while open."
  }

  dimension_group: last_event {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.last_event_at ;;
    description: "Latest event seen, UTC."
  }

  dimension_group: updated {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.updated_at ;;
    description: "When the pipeline computed the kept version, UTC."
  }

  dimension_group: ingested {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.ingested_at ;;
    description: "When the kept version landed, UTC (drives incremental runs)."
  }
}
