"""Turns ACP prompt blocks (text, @file links, selections, images) into Messages API content."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from tandem_protocol import EmbeddedResource, ImageContent, ResourceLink, TextContent

from ..workspace import NotText, Workspace

ATTACH_LIMIT = 256_000  # characters of an @-mentioned file attached to the prompt; bigger ones are only named


def uri_to_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme not in ("file", ""):
        return None
    return unquote(parsed.path)


def prompt_to_content(blocks: list[Any], workspace: Workspace) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, TextContent):
            content.append({"type": "text", "text": block.text})
        elif isinstance(block, ResourceLink):
            content.append({"type": "text", "text": _attach(block, workspace)})
        elif isinstance(block, EmbeddedResource):
            res = block.resource
            content.append({"type": "text", "text": f'<context uri="{res.uri}">\n{res.text}\n</context>'})
        elif isinstance(block, ImageContent):
            content.append({"type": "image", "source": {"type": "base64", "media_type": block.mime_type,
                                                        "data": block.data}})
    return content or [{"type": "text", "text": "(empty prompt)"}]


def _attach(link: ResourceLink, workspace: Workspace) -> str:
    path = uri_to_path(link.uri)
    if path is None:
        return f"@{link.uri}"
    rel = workspace.relative(path)
    try:
        text = workspace.read_text(path)
    except (OSError, NotText) as e:
        return f"@{rel} (could not attach: {e})"
    if len(text) > ATTACH_LIMIT:
        return f"@{rel} (too large to attach: {len(text)} characters; read it with the Read tool)"
    return f'<file path="{rel}">\n{text}\n</file>'


def title_from(blocks: list[Any]) -> str:
    for block in blocks:
        if isinstance(block, TextContent) and block.text.strip():
            line = " ".join(block.text.split())
            return line if len(line) <= 60 else line[:57].rstrip() + "…"
    return "New session"
