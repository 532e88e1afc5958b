"""QoE: pure functions from one view's events (or CMCD reports) to its metrics, and the
rollups per minute, CDN PoP, transcode job and viewer session. No Beam, no I/O."""
