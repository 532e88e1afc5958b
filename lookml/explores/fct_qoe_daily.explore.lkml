# Daily QoE rollup with the content and device it is broken down by.
explore: fct_qoe_daily {
  label: "QoE Daily"
  description: "Date x CDN x PoP x country x device x content sums; ratios sum over sum."
  persist_with: streamqoe_marts
  # Partitioned by view_date on BigQuery.
  always_filter: {
    filters: [fct_qoe_daily.view_date: "7 days"]
  }

  join: dim_content {
    relationship: many_to_one
    sql_on: ${fct_qoe_daily.content_id} = ${dim_content.content_id} ;;
  }

  join: dim_device {
    relationship: many_to_one
    sql_on: ${fct_qoe_daily.device_id} = ${dim_device.device_id} ;;
  }
}
