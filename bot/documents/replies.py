"""How a client document's draft reads to its requester, whatever its kind."""

from __future__ import annotations

from bot.messages import Block, Heading, Paragraph, Reply, Visibility
from state import DraftVersion


def draft_reply(heading: str, version: DraftVersion, *rest: Block, notice: str = "") -> Reply:
    """A draft, privately: ``heading``, the client text, its private notes (never part of the
    client text), then ``rest`` (what it covers, its buttons). A new draft carries a
    ``notice`` ("sent to your DMs"); a new version replaces the message it was asked from."""
    blocks: list[Block] = [Heading(text=heading), Paragraph(text=version.client_text)]
    if version.private_notes:
        blocks.append(
            Paragraph(
                text="**Private notes** (not in the client text)\n"
                + "\n".join(f"- {note}" for note in version.private_notes)
            )
        )
    return Reply(
        blocks=(*blocks, *rest),
        visibility=Visibility.DM,
        notice=notice,
        replace_original=not notice,
    )


__all__ = ["draft_reply"]
