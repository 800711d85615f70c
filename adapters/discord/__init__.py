"""The Discord adapter (discord.py): mentions, DMs, slash commands, embeds, buttons, modals.

- :mod:`adapters.discord.translate` — discord.py objects -> neutral ``Request`` / ``Action``.
- :mod:`adapters.discord.render` — neutral ``Reply`` -> messages of embeds within Discord's limits.
- :mod:`adapters.discord.views` — persistent buttons and form modals.
- :mod:`adapters.discord.delivery` — sending rendered replies (channels, DMs, interactions).
- :mod:`adapters.discord.client` — the client, its slash commands and :func:`serve_discord`.
"""
