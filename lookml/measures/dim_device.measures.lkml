# Measures of dim_device (one row per device: type, OS, browser, player, app).
view: +dim_device {
  measure: device_count {
    type: count
    label: "Devices"
    value_format_name: decimal_0
    description: "Distinct devices; counted through the primary key when joined (docs/metrics.md#the-timeline)."
  }
}
