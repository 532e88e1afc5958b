# Connection, includes and datagroups only: views are in views/ (generated from the dbt
# contracts) with their measures in measures/, one explore per file in explores/.
connection: "@{CONNECTION}"
label: "StreamQoE"

include: "/views/*.view.lkml"
include: "/measures/*.measures.lkml"
include: "/explores/*.explore.lkml"
include: "/dashboards/*.dashboard.lookml"

# Marts rebuilt by dbt: a new view landed means new figures.
datagroup: streamqoe_marts {
  sql_trigger: SELECT MAX(ingested_at) FROM `@{PROJECT}.@{DATASET}.fct_views` ;;
  max_cache_age: "24 hours"
  description: "Triggers when dbt has merged newly landed views into fct_views."
}

# Per-minute live monitoring: a new pane of a minute means new figures.
datagroup: streamqoe_live {
  sql_trigger: SELECT MAX(ingested_at) FROM `@{PROJECT}.@{DATASET}.fct_qoe_minute` ;;
  max_cache_age: "5 minutes"
  description: "Triggers when dbt has merged a newer pane into fct_qoe_minute."
}
