# Generated from dbt/models/marts/dim_content.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/dim_content.measures.lkml.
view: dim_content {
  sql_table_name: `@{PROJECT}.@{DATASET}.dim_content` ;;
  view_label: "Content"

  dimension: content_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.content_id ;;
    description: "Content id ('(unknown)' in rollups when the view did not say)."
  }

  dimension: content_title {
    type: string
    sql: ${TABLE}.content_title ;;
    description: "Title of the latest view that reported one."
  }

  dimension: stream_type {
    type: string
    sql: ${TABLE}.stream_type ;;
    description: "vod or live."
  }

  dimension: ladder_job_id {
    type: string
    sql: ${TABLE}.ladder_job_id ;;
    description: "The latest completed transcode job whose outputs form the ladder."
  }

  dimension: ladder {
    type: string
    sql: ${TABLE}.ladder ;;
    description: "The ladder as 'name:bitrate_kbps' rungs ordered by bitrate, e.g. '540p:1600, 720p:3200'."
  }

  dimension: transcode_job_count {
    type: number
    sql: ${TABLE}.transcode_job_count ;;
    description: "Transcode jobs seen for the content."
  }

  dimension: ladder_rung_count {
    type: number
    sql: ${TABLE}.ladder_rung_count ;;
    description: "Rungs (outputs) in the ladder; 0 without a completed job."
  }

  dimension: ladder_min_bitrate_kbps {
    type: number
    sql: ${TABLE}.ladder_min_bitrate_kbps ;;
    description: "Lowest rung bitrate, kbps."
  }

  dimension: ladder_max_bitrate_kbps {
    type: number
    sql: ${TABLE}.ladder_max_bitrate_kbps ;;
    description: "Top rung bitrate, kbps."
  }

  dimension: ladder_max_height_px {
    type: number
    sql: ${TABLE}.ladder_max_height_px ;;
    description: "Tallest rung, pixels."
  }

  dimension: has_ladder {
    type: yesno
    sql: ${TABLE}.has_ladder ;;
    description: "A completed transcode job gave the content a ladder."
  }

  dimension_group: first_view {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.first_view_at ;;
    description: "First view start, UTC."
  }

  dimension_group: last_view {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.last_view_at ;;
    description: "Latest view start, UTC."
  }

  dimension_group: first_transcode {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    convert_tz: no
    sql: ${TABLE}.first_transcode_at ;;
    description: "First transcode event, UTC."
  }
}
