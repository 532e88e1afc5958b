# The StreamQoE Looker project over the dbt marts (docs/lookml.md). Override the constants per
# instance; nothing else in the project names a connection, a project or a dataset.
project_name: "streamqoe"

# Looker connection to BigQuery: used by streamqoe.model.lkml.
constant: CONNECTION {
  value: "streamqoe_bigquery"
  export: override_optional
}

# Google Cloud project holding the marts: used in every view's sql_table_name.
constant: PROJECT {
  value: "streamqoe-local"
  export: override_optional
}

# BigQuery dataset of the marts (dbt's STREAMQOE_DBT_SCHEMA): used in every view's sql_table_name
# and in the model's datagroups.
constant: DATASET {
  value: "analytics"
  export: override_optional
}

# The model the dashboards query: used by every dashboard element's `model`.
constant: MODEL {
  value: "streamqoe"
}
