"""Alerting stage: tier changes become incidents and outbox alerts, delivered to channels; the daily digest."""
