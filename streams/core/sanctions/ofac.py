"""OFAC's SDN "advanced" XML: every digital-currency address of a party, streamed.

The file (about 120 MB) is read with ``xml.etree.ElementTree.iterparse`` and every record
(a party, a location, a sanctions entry, ...) is cleared once read, so memory stays small. An address is a ``Feature`` of a party's profile whose
``FeatureTypeID`` resolves, in ``ReferenceValueSets/FeatureTypeValues``, to a type named
``Digital Currency Address - XXX``; its text is the ``FeatureVersion/VersionDetail``. Programmes
are the ``Comment`` of each ``SanctionsMeasure`` whose type is ``Program`` in the party's
``SanctionsEntry``. References are resolved after the whole file is read, so element order does
not matter.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import IO

from streams.errors import FiulinkError

ADDRESS_TYPE_PREFIX = "Digital Currency Address - "


class SanctionsFileError(FiulinkError):
    """A sanctions list file cannot be read."""


@dataclass(frozen=True)
class ListedAddress:
    """One address row of a list, as written there."""

    asset: str
    address: str
    entry: str  # the list's reference of the party (OFAC: DistinctParty/@FixedRef)
    programs: tuple[str, ...]
    name: str = ""
    where: str = ""  # where in the file (for rejects)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _first(elem: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in elem.iter() if _local(c.tag) == name), None)


def _primary_name(party: ET.Element) -> str:
    for identity in (e for e in party.iter() if _local(e.tag) == "Identity"):
        if identity.get("Primary") != "true":
            continue
        for alias in _children(identity, "Alias"):
            if alias.get("Primary") != "true":
                continue
            names = _children(alias, "DocumentedName")
            if names:
                parts = [e.text or "" for e in names[0].iter() if _local(e.tag) == "NamePartValue"]
                return " ".join(p.strip() for p in parts)
    return ""


@dataclass
class _Party:
    ref: str
    profile: str
    name: str
    features: list[tuple[str, str, str]]  # (feature type id, feature id, text)


def read_sdn_advanced(stream: IO[bytes], source: str = "") -> list[ListedAddress]:
    """Every digital-currency address of every party, in document order (party, then feature).
    A file that is not XML raises ``SanctionsFileError`` naming the line."""
    asset_of: dict[str, str] = {}
    sanction_types: dict[str, str] = {}
    parties: list[_Party] = []
    programs: dict[str, list[tuple[str, str]]] = {}  # profile -> [(sanctions type id, comment)]
    depth = 0
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            tag = _local(elem.tag)
            if tag == "FeatureType":
                text = (elem.text or "").strip()
                if text.startswith(ADDRESS_TYPE_PREFIX):
                    asset_of[elem.get("ID", "")] = text[len(ADDRESS_TYPE_PREFIX) :].strip()
            elif tag == "SanctionsType":
                sanction_types[elem.get("ID", "")] = (elem.text or "").strip()
            elif tag == "DistinctParty":
                profile = _first(elem, "Profile")
                features = []
                for feature in (e for e in elem.iter() if _local(e.tag) == "Feature"):
                    detail = _first(feature, "VersionDetail")
                    if detail is not None and detail.text:
                        features.append(
                            (feature.get("FeatureTypeID", ""), feature.get("ID", ""), detail.text)
                        )
                ref = elem.get("FixedRef", "")
                pid = profile.get("ID", ref) if profile is not None else ref
                parties.append(_Party(ref, pid, _primary_name(elem), features))
                elem.clear()
            elif tag == "SanctionsEntry":
                measures = programs.setdefault(elem.get("ProfileID", ""), [])
                for measure in (e for e in elem.iter() if _local(e.tag) == "SanctionsMeasure"):
                    comment = _first(measure, "Comment")
                    if comment is not None and comment.text and comment.text.strip():
                        measures.append((measure.get("SanctionsTypeID", ""), comment.text.strip()))
                elem.clear()
            if depth <= 2:  # a record of a section (a Location, a party, ...) or a section: read,
                elem.clear()  # so dropped; the tree never holds more than one record
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise SanctionsFileError(f"{source}:{line}: not well-formed XML ({exc})") from None
    if not asset_of:
        raise SanctionsFileError(
            f"{source}: no 'Digital Currency Address' feature types: not an OFAC SDN advanced XML file"
        )
    rows: list[ListedAddress] = []
    for party in parties:
        progs: list[str] = []
        for type_id, program in programs.get(party.profile, []):
            if sanction_types.get(type_id) == "Program" and program not in progs:
                progs.append(program)
        for type_id, feature_id, text in party.features:
            asset = asset_of.get(type_id)
            if asset is not None:
                where = f"{source}: party {party.ref}, feature {feature_id}"
                rows.append(ListedAddress(asset, text, party.ref, tuple(progs), party.name, where))
    return rows
