# Views with what they played, on what, through which PoP, in which viewer session.
explore: fct_views {
  label: "Views"
  description: "One row per view with its QoE metrics; content, device, CDN attribution and viewer session joined."
  persist_with: streamqoe_marts
  # fct_views is partitioned by view_date on BigQuery: every query filters it.
  always_filter: {
    filters: [fct_views.view_date: "7 days"]
  }

  join: dim_content {
    relationship: many_to_one
    sql_on: ${fct_views.content_id} = ${dim_content.content_id} ;;
  }

  join: dim_device {
    relationship: many_to_one
    sql_on: ${fct_views.device_id} = ${dim_device.device_id} ;;
  }

  # Same grain (one row per view); its partition column is filtered like the base's.
  join: fct_view_rebuffer_attribution {
    view_label: "Rebuffer Attribution"
    relationship: one_to_one
    sql_on: ${fct_views.view_id} = ${fct_view_rebuffer_attribution.view_id}
      AND ${fct_views.view_date} = ${fct_view_rebuffer_attribution.view_date} ;;
  }

  # A view belongs to the session of its viewer that spans its start (docs/metrics.md, viewer sessions).
  join: fct_viewer_sessions {
    relationship: many_to_one
    sql_on: ${fct_views.viewer_id} = ${fct_viewer_sessions.viewer_id}
      AND ${fct_views.started_raw} >= ${fct_viewer_sessions.started_raw}
      AND ${fct_views.started_raw} <= ${fct_viewer_sessions.ended_raw} ;;
  }
}
