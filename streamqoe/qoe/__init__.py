"""QoE: pure functions from one view's events (or CMCD reports) to its metrics, and the
rollups per minute, CDN PoP, transcode job and viewer session. No Beam, no I/O.

    timeline              State, StateInterval, BitrateSwitch, Timeline, view_close
    state_machine         order_events, build_timeline: player events -> Timeline
    cmcd                  CMCD v2 event reports -> the same events and Timeline
    view_metrics          one function per per-view metric (video_startup_time_ms, rebuffer_ratio, ...)
    scores                startup, smoothness and quality scores
    views                 view_record, compute_view: the view.v1 record
    minute_contributions  one view's share of each minute (qoe_minute)
    minutes               qoe_minute accumulators, MinuteTotals, qoe_minute_record
    cdn                   cdn_pop_minute sums and record
    transcode             transcode_job record
    viewer_sessions       viewer_session record

Shared time and statistics helpers live in streamqoe.times and streamqoe.stats.
"""
