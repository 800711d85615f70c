import pytest
from pydantic import ValidationError

from bot.messages import (
    Button,
    Buttons,
    Citation,
    Citations,
    FieldItem,
    Fields,
    Heading,
    Image,
    Paragraph,
    Reply,
    Request,
    Table,
    Visibility,
)


def test_reply_text_keeps_every_block():
    reply = Reply(
        blocks=(
            Heading(text="Estimate"),
            Paragraph(text="≈ 120 h"),
            Fields(items=(FieldItem(label="Range", value="80–170 h"),)),
            Table(columns=("title", "hours"), rows=(("Shop A", "110"),)),
            Citations(items=(Citation(source_id="p1", title="Shop A", detail="2024"),)),
            Buttons(items=(Button(label="Save estimate", action_id="scope:save"),)),
            Image(data=b"png", alt_text="hours chart"),
        ),
        visibility=Visibility.DM,
    )
    text = reply.text
    for expected in (
        "Estimate",
        "≈ 120 h",
        "Range: 80–170 h",
        "Shop A | 110",
        "[p1] Shop A",
        "[Save estimate]",
        "hours chart",
    ):
        assert expected in text
    assert reply.buttons[0].action_id == "scope:save"


def test_models_are_frozen_and_strict():
    request = Request(tenant="T1", user_id="U1", text="hi")
    with pytest.raises(ValidationError):
        request.text = "changed"
    with pytest.raises(ValidationError):
        Request(tenant="", user_id="U1")
    with pytest.raises(ValidationError):
        Request(tenant="T", user_id="U", unknown_field=1)  # type: ignore[call-arg]


def test_reply_round_trips_through_json():
    reply = Reply(blocks=(Heading(text="A"), Paragraph(text="B")), visibility=Visibility.PUBLIC)
    again = Reply.model_validate_json(reply.model_dump_json())
    assert again == reply
