"""Small readers over a parsed goAML element (ElementTree API): whitespace-only text is absent."""

from __future__ import annotations

from typing import Any


def children(el: Any, name: str | None = None) -> list[Any]:
    """The element children of ``el`` (named ``name``, if given), in document order."""
    if name is not None:
        return el.findall(name)  # type: ignore[no-any-return]
    return [c for c in el if isinstance(c.tag, str)]


def child(el: Any, name: str) -> Any | None:
    return el.find(name)


def text(el: Any, name: str | None = None) -> str | None:
    """The stripped text of ``el`` (or of its first child ``name``); None if absent or blank."""
    value = el.text if name is None else el.findtext(name)
    if not value:
        return None
    return value.strip() or None


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


def fields(el: Any) -> dict[str, str]:
    """Tag -> stripped text of ``el``'s children in one pass (the first non-blank one per tag):
    cheaper than a lookup per field for elements read field by field."""
    out: dict[str, str] = {}
    for c in el:
        tag = c.tag
        if tag not in out and isinstance(tag, str) and c.text and (value := c.text.strip()):
            out[tag] = value
    return out
