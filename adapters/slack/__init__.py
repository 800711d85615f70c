"""Slack: a Bolt app translating Slack to the neutral model and Block Kit back."""
