"""Recurring jobs: pull, push, export and detect on cron expressions, durable and one at a time."""
