"""Transcode jobs for the catalog and their notifications, in the providers' own formats.

- AWS Elemental MediaConvert: EventBridge "MediaConvert Job State Change" events (PROGRESSING,
  INPUT_INFORMATION, STATUS_UPDATE, then COMPLETE with outputGroupDetails or ERROR), one JSON per line
  in transcode/mediaconvert.jsonl.
- Google Transcoder API: job-completion notifications as Pub/Sub push envelopes
  ({"message": {"data": base64 {"job": {...}}, "attributes", "messageId", "publishTime"},
  "subscription"}), one per line in transcode/transcoder.jsonl. The API notifies on completion
  only (SUCCEEDED or FAILED).

Every VOD title has one successful job; JOB_FAILURE_SHARE of titles first have a failed one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import numpy as np

from streamqoe.simulator.config import SimConfig
from streamqoe.simulator.truth import iso_ms
from streamqoe.simulator.world import LADDERS, World, stable_hex

JOB_FAILURE_SHARE = 0.06
AWS_ACCOUNT = "111122223333"
AWS_REGION = "us-east-1"
GCP_PROJECT_NUMBER = "123456789012"
GCP_LOCATION = "us-central1"
STATUS_UPDATE_EVERY_MS = 60_000
MEDIACONVERT_ERRORS = (
    (1030, "Unable to open input file [s3://streamqoe-mezzanine/{cid}.mov]: [Failed probe]"),
    (1040, "Input file is corrupt or has an unsupported codec"),
)
TRANSCODER_ERRORS = (
    "Input file could not be decoded: moov atom not found",
    "Output bucket permission denied for service account",
)


@dataclass
class Job:
    """One transcode job (the ground truth of its events)."""

    job_id: str
    provider: str
    content_id: str
    submitted_ms: int
    started_ms: int
    finished_ms: int
    state: str  # complete | error
    error_code: str | None
    error_message: str | None
    outputs: int
    input_duration_ms: int


def _mediaconvert_event(job: Job, status: str, t: int, detail: dict) -> dict:
    arn = f"arn:aws:mediaconvert:{AWS_REGION}:{AWS_ACCOUNT}"
    base = {
        "timestamp": t,
        "accountId": AWS_ACCOUNT,
        "queue": f"{arn}:queues/Default",
        "jobId": job.job_id,
        "status": status,
        "userMetadata": {"content_id": job.content_id},
    }
    base.update(detail)
    return {
        "version": "0",
        "id": stable_hex(job.job_id, status, t, n=32),
        "detail-type": "MediaConvert Job State Change",
        "source": "aws.mediaconvert",
        "account": AWS_ACCOUNT,
        "time": iso_ms(t)[:19] + "Z",
        "region": AWS_REGION,
        "resources": [f"{arn}:jobs/{job.job_id}"],
        "detail": base,
    }


def mediaconvert_events(job: Job, ladder: int, rng: np.random.Generator) -> list[tuple[int, dict]]:
    """Return (time, EventBridge event) pairs of one MediaConvert job."""
    cid = job.content_id
    out = [(job.started_ms, _mediaconvert_event(job, "PROGRESSING", job.started_ms, {}))]
    t_info = job.started_ms + 4_000
    out.append(
        (
            t_info,
            _mediaconvert_event(
                job,
                "INPUT_INFORMATION",
                t_info,
                {
                    "inputDetails": [
                        {
                            "id": 1,
                            "uri": f"s3://streamqoe-mezzanine/{cid}.mov",
                            "durationInMs": job.input_duration_ms,
                            "video": [
                                {
                                    "bitDepth": 8,
                                    "codec": "PRORES",
                                    "colorFormat": "YUV_422",
                                    "fourCC": "apcn",
                                    "frameRate": 24,
                                    "height": 2160,
                                    "width": 3840,
                                    "interlaceMode": "PROGRESSIVE",
                                    "sar": "1:1",
                                    "standard": "UNSPECIFIED",
                                    "streamId": 1,
                                }
                            ],
                        }
                    ]
                },
            ),
        )
    )
    t = t_info + STATUS_UPDATE_EVERY_MS
    span = max(1, job.finished_ms - job.started_ms)
    while t < job.finished_ms:
        pct = min(99, int(100 * (t - job.started_ms) / span))
        out.append(
            (
                t,
                _mediaconvert_event(
                    job,
                    "STATUS_UPDATE",
                    t,
                    {
                        "framesDecoded": int(pct * job.input_duration_ms * 24 / 100_000),
                        "jobProgress": {
                            "phaseProgress": {
                                "PROBING": {"status": "COMPLETE", "percentComplete": 100},
                                "TRANSCODING": {"status": "PROGRESSING", "percentComplete": pct},
                                "UPLOADING": {"status": "PENDING", "percentComplete": 0},
                            },
                            "jobPercentComplete": pct,
                            "currentPhase": "TRANSCODING",
                            "retryCount": 0,
                        },
                    },
                ),
            )
        )
        t += STATUS_UPDATE_EVERY_MS
    if job.state == "error":
        out.append(
            (
                job.finished_ms,
                _mediaconvert_event(
                    job,
                    "ERROR",
                    job.finished_ms,
                    {"errorCode": int(job.error_code or 0), "errorMessage": job.error_message},
                ),
            )
        )
    else:
        prefix = f"s3://streamqoe-media/vod/{cid}"
        outputs = [
            {
                "outputFilePaths": [f"{prefix}/{r[0]}/index.m3u8"],
                "durationInMs": job.input_duration_ms,
                "videoDetails": {
                    "widthInPx": r[1],
                    "heightInPx": r[2],
                    "averageBitrate": r[3] * 1000,
                    "qvbrAvgQuality": None,
                },
            }
            for r in LADDERS[ladder]
        ]
        out.append(
            (
                job.finished_ms,
                _mediaconvert_event(
                    job,
                    "COMPLETE",
                    job.finished_ms,
                    {
                        "outputGroupDetails": [
                            {
                                "outputDetails": outputs,
                                "playlistFilePaths": [f"{prefix}/master.m3u8"],
                                "type": "HLS_GROUP",
                            }
                        ]
                    },
                ),
            )
        )
    return out


def transcoder_notification(job: Job, ladder: int, project: str) -> dict:
    """Return the Pub/Sub push envelope of a Transcoder API job-completion notification."""
    name = f"projects/{GCP_PROJECT_NUMBER}/locations/{GCP_LOCATION}/jobs/{job.job_id}"
    inner: dict = {
        "name": name,
        "state": "SUCCEEDED" if job.state == "complete" else "FAILED",
        "inputUri": f"gs://streamqoe-mezzanine/{job.content_id}.mov",
        "outputUri": f"gs://streamqoe-media/vod/{job.content_id}/",
        "labels": {"content_id": job.content_id},
        "createTime": iso_ms(job.submitted_ms),
        "startTime": iso_ms(job.started_ms),
        "endTime": iso_ms(job.finished_ms),
    }
    if job.state == "error":
        inner["failureReason"] = job.error_message
        inner["error"] = {"code": 3, "message": job.error_message}
    else:
        inner["config"] = {
            "elementaryStreams": [
                {
                    "key": f"video-{r[0]}",
                    "videoStream": {
                        "h264": {
                            "widthPixels": r[1],
                            "heightPixels": r[2],
                            "bitrateBps": r[3] * 1000,
                            "frameRate": r[5],
                        }
                    },
                }
                for r in LADDERS[ladder]
            ]
        }
    data = base64.b64encode(json.dumps({"job": inner}, separators=(",", ":")).encode()).decode()
    return {
        "message": {
            "data": data,
            "attributes": {"job_name": name},
            "messageId": str(int(stable_hex(job.job_id, "msg", n=15), 16)),
            "publishTime": iso_ms(job.finished_ms + 800),
        },
        "subscription": f"projects/{project}/subscriptions/transcoder-notifications",
    }


def build_jobs(cfg: SimConfig, world: World, rng: np.random.Generator) -> list[tuple[Job, int]]:
    """Draw the jobs of the window: (job, ladder index), sorted by submission time."""
    cat = world.catalog
    jobs: list[tuple[Job, int]] = []
    for c in np.flatnonzero(~cat.is_live).tolist():
        provider = "mediaconvert" if cat.provider[c] == 0 else "transcoder"
        fails = rng.random() < JOB_FAILURE_SHARE
        t = cfg.start_ms + int(rng.integers(0, max(1, cfg.duration_ms - 3_600_000)))
        for attempt in range(2 if fails else 1):
            error = fails and attempt == 0
            queue = int(rng.integers(2_000, 90_000))
            work = (
                int(cat.duration_ms[c] * rng.uniform(0.2, 0.6))
                if not error
                else int(rng.integers(5_000, 60_000))
            )
            if provider == "mediaconvert":
                jid = f"{t}-{stable_hex(cfg.seed, 'mc', c, attempt, n=6)}"
                code, msg = MEDIACONVERT_ERRORS[int(rng.integers(0, 2))] if error else (None, None)
                code = str(code) if code else None
                msg = msg.format(cid=cat.content_id[c]) if msg else None
            else:
                jid = f"job-{stable_hex(cfg.seed, 'tc', c, attempt, n=20)}"
                msg = TRANSCODER_ERRORS[int(rng.integers(0, 2))] if error else None
                code = "INVALID_ARGUMENT" if error else None
            job = Job(
                jid,
                provider,
                cat.content_id[c],
                t,
                t + queue,
                t + queue + work,
                "error" if error else "complete",
                code,
                msg,
                0 if error else len(LADDERS[int(cat.ladder[c])]),
                int(cat.duration_ms[c]),
            )
            jobs.append((job, int(cat.ladder[c])))
            t = job.finished_ms + int(rng.integers(60_000, 600_000))
    jobs.sort(key=lambda jl: (jl[0].submitted_ms, jl[0].job_id))
    return jobs
