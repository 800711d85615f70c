"""Skills: one module per job, each exposing ``setup(registry)``.

Registering a new skill means adding its module name to :data:`SKILL_MODULES`.
"""

SKILL_MODULES: tuple[str, ...] = (
    "bot.skills.help",
    "bot.skills.scope",
    "bot.skills.projects",
    "bot.skills.active_projects",
    "bot.skills.log",
    "bot.skills.updates",
    "bot.skills.changes",
    "bot.skills.proposals",
    "bot.skills.atelier",
)
