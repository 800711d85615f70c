"""Who may use Atelier, and where its answers may be shown: decided once, in the core.

Adapters describe the person and the place in neutral terms (:class:`bot.messages.Access`);
this module turns those facts and the allowlist settings into two decisions, made before any
skill runs and after it answered:

- :meth:`AccessPolicy.refusal`: guests, people from another organisation and people the
  platform could not vouch for are refused with a polite answer that reveals nothing (no
  project, rate or name); so is a member left out of a configured allowlist.
- :func:`keep_private`: in a channel people outside the studio can read, every answer stays
  with the requester (ephemeral, or their DMs where the platform has no private answer in
  place). Only an explicit post to a named channel (an approved client update) goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import Settings
from bot.logs import get_logger
from bot.messages import Access, Action, Reply, Request, Role, Visibility, text_reply

log = get_logger(__name__)

NOT_A_MEMBER = (
    "Sorry, Atelier is only available to full members of this workspace, so I can't help "
    "with that. Nothing was done."
)
OTHER_ORGANISATION = (
    "Sorry, Atelier only works for members of the workspace that installed it, so I can't "
    "help with that here. Nothing was done."
)
NOT_CONFIRMED = (
    "Sorry, I couldn't confirm that you're a member of this workspace just now, so I didn't "
    "do anything. Please try again in a minute."
)
NOT_LISTED = "Sorry, Atelier is limited to certain people here, so I can't help with that."
SHARED_CHANNEL_NOTICE = (
    "This channel is shared with people outside the studio, so I sent my answer to your DMs."
)

_REFUSALS = {
    Role.GUEST: NOT_A_MEMBER,
    Role.EXTERNAL: OTHER_ORGANISATION,
    Role.UNKNOWN: NOT_CONFIRMED,
}


@dataclass(frozen=True)
class Gate:
    """Which of a platform's members may use Atelier.

    With ``admins_by_default`` (Discord) the platform's manage-the-workspace permission
    admits a member, and so does a listed user or group; nobody else does. Otherwise every
    member is admitted unless a list is configured, in which case only listed people are.
    """

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    admins_by_default: bool = False
    hint: str = ""

    def admits(self, user_id: str, access: Access) -> bool:
        listed = user_id in self.users or bool(self.groups & access.group_ids)
        if self.admins_by_default:
            return access.is_admin or listed
        if not self.users and not self.groups:
            return True
        return listed


@dataclass(frozen=True)
class AccessPolicy:
    """The allowlists of each platform; platforms without a gate admit every member."""

    gates: Mapping[str, Gate] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(
            gates={
                "slack": Gate(
                    users=frozenset(settings.slack_allowed_users),
                    groups=frozenset(settings.slack_allowed_groups),
                    hint="Ask whoever set up Atelier to add you.",
                ),
                "discord": Gate(
                    groups=frozenset(settings.discord_roles),
                    admins_by_default=True,
                    hint=(
                        "It needs the Manage Server permission or a role the server's admins "
                        "chose for Atelier; ask one of them."
                    ),
                ),
            }
        )

    def refusal(self, source: Request | Action) -> Reply | None:
        """The answer for someone who may not use Atelier, or None when they may."""
        access = source.access
        text = _REFUSALS.get(access.role)
        reason = access.role.value
        gate = self.gates.get(source.platform)
        if text is None and gate is not None and not gate.admits(source.user_id, access):
            text = f"{NOT_LISTED} {gate.hint}".strip()
            reason = "not_allowed"
        if text is None:
            return None
        log.info(
            "access_refused",
            reason=reason,
            platform=source.platform,
            tenant=source.tenant,
            user_id=source.user_id,
        )
        return text_reply(text)


def keep_private(reply: Reply, access: Access) -> Reply:
    """In a channel shared with people outside the studio, the answer goes to the requester
    alone; an explicit post to a named channel (``Reply.channel_id``) is left as it is."""
    if not access.shared_channel or reply.channel_id:
        return reply
    if access.private_in_place:
        if reply.visibility is Visibility.PUBLIC:
            return reply.model_copy(update={"visibility": Visibility.EPHEMERAL})
        return reply
    if reply.visibility is Visibility.DM:
        return reply
    return reply.model_copy(
        update={
            "visibility": Visibility.DM,
            "notice": reply.notice or SHARED_CHANNEL_NOTICE,
            "replace_original": False,
        }
    )


__all__ = ["AccessPolicy", "Gate", "keep_private"]
