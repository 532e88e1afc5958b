"""The pipelines' composites, shared by the batch and the streaming entry modules.

One module per idea: parse (units -> records and dead letters), dedupe, views (sessionize and
compute per-view QoE), minutes (per-minute QoE), cdn (CDN PoP minutes), transcode (jobs),
viewers (viewer sessions), tables (all of the above wired together) and sinks (DuckDB, BigQuery).
Batch's bulk beacon path adds bulk_views (views per shard of Arrow event tables), bulk_viewers
(viewer sessions of a bounded input in one pass) and arrow_sink (landing Arrow tables).
Composites take and return PCollections; only the entry modules read and write.
"""
