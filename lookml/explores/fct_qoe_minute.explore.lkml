# Live monitoring: one row per minute, breakdown and value.
explore: fct_qoe_minute {
  label: "QoE per Minute"
  description: "Per-minute QoE (latest pane of each minute) for live monitoring."
  persist_with: streamqoe_live
  # Partitioned by window_date on BigQuery; each minute is repeated once per breakdown, so one
  # breakdown is always chosen (all, cdn, pop, country, device_type, player_name, content_id).
  always_filter: {
    filters: [fct_qoe_minute.window_date: "1 days", fct_qoe_minute.dimension: "all"]
  }
}
