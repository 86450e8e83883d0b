"""ACP content blocks: what a prompt and a message chunk carry."""

from __future__ import annotations

from typing import Union

import msgspec

from .._base import UNSET, Annotated, D, Meta_, UnsetType, Wire


class TextContent(Wire, tag_field="type", tag="text"):
    """Plain text (Markdown for agent messages)."""

    text: Annotated[str, D("The text.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ImageContent(Wire, tag_field="type", tag="image"):
    """An image, base64 encoded."""

    data: Annotated[str, D("Base64 data.")]
    mime_type: Annotated[str, D("MIME type, such as image/png.")]
    uri: str | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ResourceLink(Wire, tag_field="type", tag="resource_link"):
    """A reference to a file or resource the agent can read itself (an @-mention)."""

    uri: Annotated[str, D("URI of the resource, usually file:///abs/path.")]
    name: Annotated[str, D("Short name shown to the user.")]
    title: str | None | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    mime_type: str | None | UnsetType = UNSET
    size: int | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class TextResourceContents(Wire):
    """The text of an embedded resource, such as a selection."""

    uri: Annotated[str, D("Where the text comes from (file URI, optionally with #Lstart-Lend).")]
    text: Annotated[str, D("The text itself.")]
    mime_type: str | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class EmbeddedResource(Wire, tag_field="type", tag="resource"):
    """Context embedded in the prompt, such as the user's selection."""

    resource: Annotated[TextResourceContents, D("The embedded text.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


ContentBlock = Union[TextContent, ImageContent, ResourceLink, EmbeddedResource]
