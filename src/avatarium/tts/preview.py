"""A bounded cache of rendered voice previews (the same line for the same voice is synthesised once)."""

from __future__ import annotations

from collections import OrderedDict

from avatarium.tts.service import Rendered


class PreviewCache:
    def __init__(self, capacity: int = 64) -> None:
        self._items: OrderedDict[tuple[str, str, str], Rendered] = OrderedDict()
        self._capacity = capacity

    def get(self, key: tuple[str, str, str]) -> Rendered | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[str, str, str], value: Rendered) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
