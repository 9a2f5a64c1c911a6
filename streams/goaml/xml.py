"""Small readers over a parsed goAML element (ElementTree API): whitespace-only text is absent."""

from __future__ import annotations

from typing import Any


def children(el: Any, name: str | None = None) -> list[Any]:
    """The element children of ``el`` (named ``name``, if given), in document order."""
    return [c for c in el if isinstance(c.tag, str) and (name is None or c.tag == name)]


def child(el: Any, name: str) -> Any | None:
    for c in el:
        if c.tag == name:
            return c
    return None


def text(el: Any, name: str | None = None) -> str | None:
    """The stripped text of ``el`` (or of its first child ``name``); None if absent or blank."""
    node = el if name is None else child(el, name)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def texts(el: Any, name: str) -> list[str]:
    return [t for c in children(el, name) if (t := text(c))]


def find(el: Any, wrapper: str, name: str) -> list[Any]:
    """The ``name`` children of every ``wrapper`` child (goAML 5.x list wrappers)."""
    return [c for w in children(el, wrapper) for c in children(w, name)]


def has_children(el: Any) -> bool:
    return any(isinstance(c.tag, str) for c in el)


def path_of(el: Any) -> str:
    """``report/transaction[2]/t_from/...``: where an element sits (positions of repeated tags)."""
    parts: list[str] = []
    node = el
    while node is not None:
        parent = node.getparent()
        tag = node.tag
        if parent is not None:
            same = [c for c in parent if c.tag == tag]
            if len(same) > 1:
                tag = f"{tag}[{same.index(node) + 1}]"
        parts.append(tag)
        if tag == "report":
            break
        node = parent
    return "/".join(reversed(parts))
