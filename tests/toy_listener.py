"""A toy source, written the way CONTRIBUTING.md says a new source is added.

It reads a JSON Feed's items (the real inessential.com JSON Feed that the demo also
serves, brandpulse/demo_data/feeds/json_feed.json) and is registered by test_add_a_source
with one line in ``domain.kinds.SOURCE_KINDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from domain.records import Mention
from listeners import BaseListener, Batch, ListenerSettings, MalformedResponse
from listeners.html_text import html_to_text
from listeners.http import raise_for_status


class ToySettings(ListenerSettings):
    """The toy source's own config keys."""

    base_url: str = Field(description="Where the JSON Feed is served.")


class ToyListener(BaseListener[ToySettings]):
    """Every item of one JSON Feed, each fetch (the intake drops the ones already stored)."""

    kind: ClassVar[str] = "toy"
    Settings: ClassVar[type[ListenerSettings]] = ToySettings

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        response = self.http.get(self.settings.base_url, source=self.name)
        raise_for_status(response, source=self.name)
        try:
            items = response.json()["items"]
        except (ValueError, KeyError) as exc:
            raise MalformedResponse(self.name, "not a JSON Feed") from exc
        mentions = [
            Mention(
                source=self.name,
                external_id=str(item["id"]),
                url=str(item["url"]),
                title=str(item.get("title") or ""),
                text=html_to_text(str(item.get("content_html") or "")),
            )
            for item in items
        ]
        return Batch(mentions, cursor={"seen": len(mentions)})
