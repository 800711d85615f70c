"""The Discord adapter (discord.py): mentions, DMs, slash commands, embeds, buttons, modals.

- :mod:`adapters.discord.translate` — discord.py objects -> neutral ``Request`` / ``Action``.
- :mod:`adapters.discord.render` — neutral ``Reply`` -> messages of embeds within Discord's limits.
- :mod:`adapters.discord.views` — persistent buttons and form modals.
- :mod:`adapters.discord.keys` — button custom ids that survive a restart.
- :mod:`adapters.discord.delivery` — sending rendered replies (channels, DMs, interactions).
- :mod:`adapters.discord.commands` — slash commands built from the skill registry.
- :mod:`adapters.discord.client` — the client and :func:`serve_discord`.
- :mod:`adapters.discord.sync` — ``atelier sync-commands`` and the invite URL.
"""
