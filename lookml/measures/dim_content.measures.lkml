# Measures of dim_content (one row per content item).
view: +dim_content {
  measure: content_count {
    type: count
    label: "Content Items"
    value_format_name: decimal_0
    description: "Distinct content items; counted through the primary key when joined (docs/metrics.md#transcode-jobs)."
  }
}
