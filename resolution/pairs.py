"""Labelled pairs in the OpenSanctions Pairs format, as records ready to score.

A file is a JSON array or JSON lines of ``{"left": FtM entity, "right": FtM
entity, "judgement": "positive" | "negative"}``. Each entity becomes a canonical
record through the same FtM adapter ``ingest`` uses, so a pair is scored exactly
as the two records would be in ``resolve``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.adapters.ftm import NODE_SCHEMATA, build_node
from ingest.record import Record, Schema
from resolution.features import ACCOUNT, FAMILY_OF_SCHEMA, Features, build_features
from resolution.normalize import ORGANIZATION, PERSON
from resolution.vocabulary import Vocabulary
from sanctiongraph.errors import ResolutionError

PAIRS_SOURCE = "pairs"
JUDGEMENTS = {"positive": True, "negative": False}


@dataclass(frozen=True, slots=True)
class LabelledPair:
    left: Record
    right: Record
    positive: bool
    schema: str  # the left entity's FtM schema, for per-schema figures


def _entity_record(entity: dict[str, Any], where: str) -> Record | None:
    schema = NODE_SCHEMATA.get(str(entity.get("schema")))
    if schema is None or schema is Schema.ADDRESS:
        return None
    if "id" not in entity:
        raise ResolutionError(f"{where}: entity without an id")
    return build_node(entity, schema, PAIRS_SOURCE, Path(where.split(":")[0]), 0)


def _iter_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            yield from enumerate(json.loads(stripped), start=1)
            return
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield number, json.loads(line)
    except json.JSONDecodeError as error:
        raise ResolutionError(
            f"{path}: not JSON or JSON lines ({error})", hint="give a JSON array or one pair object per line"
        ) from None


def load_pairs(path: Path, schemas: set[str] | None = None) -> list[LabelledPair]:
    """Entity-level pairs of ``path``, optionally only those whose left schema is in ``schemas``.

    Pairs of schemas no model covers (``Occupancy``, ``Position``) are skipped;
    a pair with an unknown judgement is an error naming its position.
    """
    if not path.is_file():
        raise ResolutionError(f"{path}: no such pairs file")
    pairs: list[LabelledPair] = []
    for number, item in _iter_objects(path):
        where = f"{path}:{number}"
        if not isinstance(item, dict) or "left" not in item or "right" not in item:
            raise ResolutionError(f"{where}: expected an object with 'left', 'right' and 'judgement'")
        judgement = JUDGEMENTS.get(str(item.get("judgement")))
        if judgement is None:
            raise ResolutionError(f"{where}: judgement {item.get('judgement')!r} is not 'positive' or 'negative'")
        schema = str(item["left"].get("schema"))
        if schemas is not None and schema not in schemas:
            continue
        left, right = _entity_record(item["left"], where), _entity_record(item["right"], where)
        if left is not None and right is not None:
            pairs.append(LabelledPair(left, right, judgement, schema))
    return pairs


def pair_family(left: Record, right: Record) -> str | None:
    """The model that compares two records, or ``None`` when no model would pair them.

    A ``LegalEntity`` takes the family of the other side (it may be a person or an
    organisation); two different families are never compared.
    """
    families = {FAMILY_OF_SCHEMA[r.schema] for r in (left, right) if r.schema is not Schema.LEGAL_ENTITY}
    if not families:
        return ORGANIZATION
    if len(families) == 1:
        family = families.pop()
        return PERSON if family == ACCOUNT else family
    return None


def pair_features(pair: LabelledPair, vocabulary: Vocabulary | None = None) -> tuple[str, Features, Features] | None:
    family = pair_family(pair.left, pair.right)
    if family is None:
        return None
    left = build_features(pair.left, family, vocabulary=vocabulary)
    return family, left, build_features(pair.right, family, vocabulary=vocabulary)
