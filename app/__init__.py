"""The application layer: the `streamqoe` command, the demo, the report, local platform control
and the dbt runner. The only layer that imports both the domain library and the Beam pipelines."""
