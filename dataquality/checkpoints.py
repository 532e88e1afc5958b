"""One checkpoint per schedule, each listing its suites, with the actions every run takes.

- `ci`: every suite, after a simulated day is landed and dbt has built the marts (`make test`,
  the demo).
- `hourly`: what must hold while the streaming pipeline runs (freshness, rates, volume, stuck
  jobs, the landed views); scheduled in production by the deploy (docs/data-quality.md).

Actions: Data Docs are rebuilt on every run; when `STREAMQOE_DQ_WEBHOOK_URL` is set, a Slack-style
webhook (GX's SlackNotificationAction, Slack's incoming-webhook JSON) is posted on failure. The URL
stays in the environment: the stored checkpoint holds only the `${...}` reference.
"""

from __future__ import annotations

import os
from typing import Literal

import great_expectations as gx
from great_expectations.checkpoint import SlackNotificationAction
from great_expectations.checkpoint.actions import DataDocsAction
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

from dataquality.suites import all_suites

WEBHOOK_ENV = "STREAMQOE_DQ_WEBHOOK_URL"
HOURLY_SUITES = (
    "views__integrity",
    "player_events__timeliness",
    "cdn_requests__volume",
    "cdn_requests__pop_volume",
    "transcode_jobs__progress",
    "dead_letters__rate",
)


def checkpoint_suites(checkpoint: str) -> list[str]:
    """The suite names a checkpoint runs.

    Raises:
        ValueError: no such checkpoint.
    """
    if checkpoint == "ci":
        return list(all_suites())
    if checkpoint == "hourly":
        return list(HOURLY_SUITES)
    raise ValueError(f"unknown checkpoint {checkpoint!r}; known: ci, hourly")


class UpdateDataDocsOnceAction(DataDocsAction):
    """GX's UpdateDataDocsAction, rebuilding the site once per checkpoint run instead of once per
    validation (which rebuilds the index every time: 7 s of an 11 s run with 18 suites)."""

    type: Literal["streamqoe_update_data_docs_once"] = "streamqoe_update_data_docs_once"

    def run(self, checkpoint_result, action_context=None) -> dict:
        identifiers: list = []
        for result_identifier, result in checkpoint_result.run_results.items():
            identifiers += [result_identifier, ExpectationSuiteIdentifier(name=result.suite_name)]
        self._build_data_docs(resource_identifiers=identifiers)
        return {}


def actions() -> list:
    """The actions of every checkpoint: Data Docs, and the webhook when configured."""
    result: list = [UpdateDataDocsOnceAction(name="update_data_docs")]
    if os.environ.get(WEBHOOK_ENV):
        result.append(
            SlackNotificationAction(
                name="notify_webhook",
                slack_webhook="${" + WEBHOOK_ENV + "}",
                notify_on="failure",
                show_failed_expectations=True,
            )
        )
    return result


def build_checkpoint(
    context, checkpoint: str, validation_definitions: list[gx.ValidationDefinition]
) -> gx.Checkpoint:
    """Register the checkpoint `checkpoint` over its validation definitions."""
    return context.checkpoints.add(
        gx.Checkpoint(
            name=checkpoint,
            validation_definitions=validation_definitions,
            actions=actions(),
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
        )
    )
