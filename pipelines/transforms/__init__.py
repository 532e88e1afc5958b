"""The pipelines' composites, shared by the batch and the streaming entry modules.

One module per idea: parse (units -> records and dead letters), dedupe, views (sessionize and
compute per-view QoE), minutes (per-minute QoE), cdn (CDN PoP minutes), transcode (jobs),
viewers (viewer sessions), tables (all of the above wired together) and sinks (DuckDB, BigQuery).
Composites take and return PCollections; only the entry modules read and write.
"""
