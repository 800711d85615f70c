"""Platform adapters: console, Slack, Discord, and the `atelier` CLI (the composition root)."""
