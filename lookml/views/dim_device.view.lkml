# Generated from dbt/models/marts/dim_device.yml by `streamqoe lookml generate`;
# do not edit: change the contract and regenerate. Measures are in
# lookml/measures/dim_device.measures.lkml.
view: dim_device {
  sql_table_name: `@{PROJECT}.@{DATASET}.dim_device` ;;
  view_label: "Device"

  dimension: device_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.device_id ;;
    description: "Device key: hash of device type, OS, browser, player, player version and app (see dim_device)."
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

  dimension: is_mobile {
    type: yesno
    sql: ${TABLE}.is_mobile ;;
    description: "device_type is mobile or tablet."
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
}
