"""Buttons and modals.

- :class:`ActionButton` is a ``DynamicItem``: Discord routes any click whose custom id matches
  its template back to it, so buttons keep working after a restart (registered once with
  ``client.add_dynamic_items``). It refuses presses by anyone but the owner.
- :class:`FormModal` turns a neutral :class:`~bot.messages.Form` into a modal. A modal holds at
  most 5 inputs, so a longer form is asked in pages: required fields first, then a "Continue"
  button opens the next page (a modal cannot open another modal directly).
- :class:`FormButton` is that button (and "Open the form", "Fix and resubmit"): the page and the
  answers so far are stored server-side (``keys.py``), so it opens the form after a restart too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Self

import discord

from adapters.discord.keys import FORM_TEMPLATE, TEMPLATE, ButtonKeys, owner_of
from bot.messages import Button, Form, FormField

MODAL_INPUTS = 5
MODAL_TITLE = 45
INPUT_LABEL = 45
BUTTON_LABEL = 80
FORM_TIMEOUT = 30 * 60  # seconds: an open modal left that long is forgotten
EXPIRED_FORM = "That form has expired. Please run the command again."

NO_MENTIONS = discord.AllowedMentions.none()

_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


class Handlers(Protocol):
    """What the client offers the views (the client implements it)."""

    keys: ButtonKeys

    async def press_button(self, interaction: discord.Interaction, custom_id: str) -> None: ...

    async def submit_form(
        self, interaction: discord.Interaction, form: Form, values: Mapping[str, str], tenant: str
    ) -> None: ...


def _handlers(interaction: discord.Interaction) -> Handlers:
    # discord.py types the client as discord.Client; Atelier's client implements Handlers.
    return interaction.client  # type: ignore[return-value]


async def refuse_other_user(interaction: discord.Interaction, owner_id: str) -> bool:
    """True when the presser may act; otherwise tell them privately why not."""
    if not owner_id or str(interaction.user.id) == owner_id:
        return True
    await interaction.response.send_message(
        "These buttons belong to the person who asked. Run the command yourself to get your own.",
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )
    return False


class _OwnedButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):
    """What every persistent button shares: it is rebuilt from its custom id alone (after a
    restart too), and only the person its id names may press it. (This base matches no id;
    each subclass brings its own template.)"""

    def __init__(
        self,
        custom_id: str,
        label: str = "\u200b",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.owner_id = owner_of(custom_id)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match.string)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await refuse_other_user(interaction, self.owner_id)


class ActionButton(_OwnedButton, template=TEMPLATE):
    """A persistent button standing for a neutral action (see ``keys.py`` for its id)."""

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handlers(interaction).press_button(interaction, self.custom_id)


async def button_view(
    buttons: Sequence[Button], owner_id: str, tenant: str, keys: ButtonKeys
) -> discord.ui.View:
    """A persistent view (no timeout) of up to 25 buttons, 5 per row."""
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(buttons[:25]):
        custom_id = await keys.encode(owner_id, tenant, button.action_id, button.value)
        item = ActionButton(
            custom_id,
            label=_fit(button.label, BUTTON_LABEL) or "…",
            style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
        )
        item.row = index // 5
        view.add_item(item)
    return view


# --- forms ----------------------------------------------------------------------------------


def _fit(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def form_pages(form: Form, first: Sequence[str] = ()) -> list[list[FormField]]:
    """The form's fields in pages of at most 5: ``first`` (e.g. fields with errors), then the
    required ones, then the optional ones — so a one-page form asks what matters."""
    ordered = sorted(
        form.fields,
        key=lambda f: (f.name not in first, not f.required),
    )
    return [ordered[i : i + MODAL_INPUTS] for i in range(0, len(ordered), MODAL_INPUTS)]


class FormModal(discord.ui.Modal):
    """One page of a form. The last page submits every answer as one neutral Action."""

    def __init__(
        self,
        form: Form,
        *,
        owner_id: str,
        tenant: str,
        values: Mapping[str, str] | None = None,
        first: Sequence[str] = (),
        page: int = 0,
    ) -> None:
        self.form = form
        self.owner_id = owner_id
        self.tenant = tenant  # where the form was asked for: its answers belong there
        self.values: dict[str, str] = dict(values or {f.name: f.initial for f in form.fields})
        self.first = tuple(first)
        self.pages = form_pages(form, first)
        self.page = page
        title = (
            form.title if len(self.pages) == 1 else f"{form.title} ({page + 1}/{len(self.pages)})"
        )
        super().__init__(title=_fit(title, MODAL_TITLE), timeout=FORM_TIMEOUT)
        self.inputs: dict[str, discord.ui.TextInput[FormModal]] = {}
        for field in self.pages[page]:
            default = self.values.get(field.name) or None
            text_input: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                custom_id=field.name[:100],
                style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
                placeholder=_fit(field.placeholder, 100) or None,
                default=default[:4000] if default else None,
                required=field.required,
                max_length=4000,
            )
            label = _fit(field.label, INPUT_LABEL)
            # A label cut to fit keeps its full wording as the description below it.
            description = _fit(field.label, 100) if label != field.label else None
            self.add_item(
                discord.ui.Label(text=label, component=text_input, description=description)
            )
            self.inputs[field.name] = text_input

    @property
    def is_last_page(self) -> bool:
        return self.page >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await refuse_other_user(interaction, self.owner_id)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        for name, text_input in self.inputs.items():
            self.values[name] = text_input.value.strip()
        if self.is_last_page:
            await _handlers(interaction).submit_form(
                interaction, self.form, dict(self.values), self.tenant
            )
            return
        following = FormModal(
            self.form,
            owner_id=self.owner_id,
            tenant=self.tenant,
            values=self.values,
            first=self.first,
            page=self.page + 1,
        )
        await interaction.response.send_message(
            f"Part {self.page + 1} of {len(self.pages)} of **{self.form.title}** noted. "
            "Press Continue for the rest.",
            view=await open_form_view(following, _handlers(interaction).keys, "Continue"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


class FormButton(_OwnedButton, template=FORM_TEMPLATE):
    """Opens a stored form page as a modal (see ``ButtonKeys.save_form``): the same path
    before and after a restart, so a button that works now works then."""

    def __init__(self, custom_id: str, label: str = "Open the form") -> None:
        super().__init__(custom_id, _fit(label, BUTTON_LABEL), discord.ButtonStyle.primary)

    async def callback(self, interaction: discord.Interaction) -> None:
        waiting = await _handlers(interaction).keys.load_form(self.custom_id)
        if waiting is None:
            await interaction.response.send_message(
                EXPIRED_FORM, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        modal = FormModal(
            waiting.form,
            owner_id=waiting.owner_id,
            tenant=waiting.tenant,
            values=waiting.values,
            first=waiting.first,
            page=waiting.page,
        )
        await interaction.response.send_modal(modal)


class OpenFormView(discord.ui.View):
    """A persistent button that opens a form page: for a form that could not open directly
    (after a slow answer, the next page of a long form, or fixing errors)."""

    def __init__(self, modal: FormModal, custom_id: str, label: str = "Open the form") -> None:
        super().__init__(timeout=None)
        self.modal = modal
        self.open_button = FormButton(custom_id, label)
        self.add_item(self.open_button)


async def open_form_view(
    modal: FormModal, keys: ButtonKeys, label: str = "Open the form"
) -> OpenFormView:
    """Store the modal's page and answers, and return the button view that opens it."""
    custom_id = await keys.save_form(
        modal.form, modal.owner_id, modal.tenant, modal.values, modal.first, modal.page
    )
    return OpenFormView(modal, custom_id, label)


async def retry_form(
    form: Form,
    owner_id: str,
    tenant: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    keys: ButtonKeys,
) -> tuple[str, OpenFormView]:
    """The message and button shown when a submitted form has errors: nothing typed is lost,
    the fields with problems come first and keep their answers."""
    labels = {f.name: f.label for f in form.fields}
    lines = [f"- **{labels.get(name, name)}**: {message}" for name, message in errors.items()]
    modal = FormModal(form, owner_id=owner_id, tenant=tenant, values=values, first=tuple(errors))
    text = f"**{form.title}** was not saved yet:\n" + "\n".join(lines)
    return text, await open_form_view(modal, keys, "Fix and resubmit")
