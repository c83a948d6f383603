"""Named Cypher queries: one ``.cypher`` file per query, beside this module.

Values are always ``$parameters``. Labels and relationship types cannot be
parameters, so a query may carry ``__NAME__`` placeholders that ``query()``
fills in, and only with names the graph model defines (``A:B`` for several
labels); anything else raises.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from graph.model import ALL_LABELS, ALL_REL_TYPES
from sanctiongraph.errors import GraphStoreError

CYPHER_DIR = Path(__file__).parent
_PLACEHOLDER = re.compile(r"__([A-Z][A-Z0-9_]*)__")
MAX_HOPS_BOUND = 10


@cache
def _text(name: str) -> str:
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.is_file():
        raise GraphStoreError(f"no Cypher query named {name!r} in {CYPHER_DIR}")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.stem for p in CYPHER_DIR.glob("*.cypher"))


def placeholders(name: str) -> set[str]:
    return set(_PLACEHOLDER.findall(_text(name)))


def query(name: str, **labels: str | int) -> str:
    """The text of query ``name`` with its placeholders filled in.

    A placeholder takes a label or relationship type of the graph model (``A:B``
    for several), or, for hop bounds that Cypher cannot take as parameters, an
    integer from 1 to ``MAX_HOPS_BOUND``.
    """
    text = _text(name)
    allowed = ALL_LABELS | ALL_REL_TYPES

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = labels.get(key.lower())
        if value is None:
            raise GraphStoreError(f"query {name}: no value for placeholder __{key}__")
        if isinstance(value, int):
            if isinstance(value, bool) or not 1 <= value <= MAX_HOPS_BOUND:
                raise GraphStoreError(f"query {name}: {value!r} is not a hop bound from 1 to {MAX_HOPS_BOUND}")
            return str(value)
        if not value or any(part not in allowed for part in value.split(":")):
            raise GraphStoreError(f"query {name}: {value!r} is not a label or type of the graph model")
        return value

    return _PLACEHOLDER.sub(fill, text)
