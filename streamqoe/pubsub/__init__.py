"""Pub/Sub as the project declares it (infra/pubsub.yaml): topics, subscriptions, contracts."""
