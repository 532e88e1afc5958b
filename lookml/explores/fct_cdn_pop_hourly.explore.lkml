# CDN and PoP health from the CDN logs.
explore: fct_cdn_pop_hourly {
  label: "CDN PoP Hourly"
  description: "Delivery figures per hour, CDN and edge PoP, from the CDN logs."
  persist_with: streamqoe_marts
  # Partitioned by request_date on BigQuery.
  always_filter: {
    filters: [fct_cdn_pop_hourly.request_date: "7 days"]
  }
}
