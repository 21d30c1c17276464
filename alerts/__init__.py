"""Alerts: rules evaluated by Elasticsearch on what was just indexed, sent once to webhook, email and
Telegram, with their state (dedup, pending deliveries) kept in Elasticsearch."""
