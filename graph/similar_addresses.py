"""Near-identical addresses: ``SIMILAR_ADDRESS`` links between address nodes whose keys differ.

Exact keys (``ingest.keys.address_key``) already make one node of an address
however its country, city and abbreviations are written. What is left are
addresses that say the same building with a detail more or less (a unit, a
district) or a typo. Candidates are pairs of addresses that share two rare
words or numbers (a postal code, a building name, a house number with its
street), found set-wise in DuckDB; each pair is then scored in Python by
``ingest.keys.address_similarity``, the rule screening uses too.

Every load writes all current links again (they are few: thousands where
addresses are hundreds of thousands) and deletes the ones it did not write, so
a load that stops half-way is repaired by the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb

from graph.model import ADDRESS_KEY_INDEX, Rel
from graph.queries import lucene_query
from graph.store import GraphStore
from ingest.keys import ADDRESS, address_similarity
from ingest.staging import entities

# A word or number shared by more addresses than this is too common to propose a pair (a city, a street).
MAX_DOCUMENT_FREQUENCY = 50
MIN_BLOCKING_CHARS = 3
MIN_SHARED_RARE = 2
BATCH_SIZE = 2_000
# Address nodes a screened address is compared with: the best by full-text score over their keys.
SCREEN_CANDIDATES = 20


def similar_pairs(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Each pair of near-identical current addresses, with its score."""
    cursor = entities.address_pairs(con, ADDRESS, MIN_BLOCKING_CHARS, MAX_DOCUMENT_FREQUENCY, MIN_SHARED_RARE)
    for rows in entities.batches(cursor, BATCH_SIZE):
        for a, b in rows:
            score = address_similarity(frozenset(a.split()), frozenset(b.split()))
            if score > 0:
                yield {"a": a, "b": b, "score": score}


def write_similar(con: duckdb.DuckDBPyConnection, store: GraphStore, load_id: int) -> int:
    """Write this load's ``SIMILAR_ADDRESS`` links; returns how many. Stale ones are swept after."""
    written, batch = 0, []
    for pair in similar_pairs(con):
        batch.append(pair)
        if len(batch) >= BATCH_SIZE:
            store.write("merge_similar_addresses", {"rows": batch, "loadId": load_id}, rel=str(Rel.SIMILAR_ADDRESS))
            written, batch = written + len(batch), []
    if batch:
        store.write("merge_similar_addresses", {"rows": batch, "loadId": load_id}, rel=str(Rel.SIMILAR_ADDRESS))
        written += len(batch)
    return written


def near_addresses(store: GraphStore, tokens: frozenset[str]) -> list[tuple[str, float]]:
    """Address nodes near-identical to an address that is not one of them (key, score), best first.

    For screening: an applicant's address is compared, by the rule the load
    links addresses with, to the addresses the full-text index ranks highest.
    """
    query = lucene_query(" ".join(sorted(tokens)))
    if query is None:
        return []
    rows = store.read("address_candidates", {"index": ADDRESS_KEY_INDEX, "query": query, "limit": SCREEN_CANDIDATES})
    return _scored(tokens, [row["key"] for row in rows])


def near_addresses_of(store: GraphStore, addresses: list[str]) -> dict[str, list[tuple[str, float]]]:
    """``near_addresses`` of many address keys in one round trip (a batch of customers being screened)."""
    queries = []
    for address in addresses:
        query = lucene_query(" ".join(sorted(frozenset(address.split()))))
        if query is not None:
            queries.append({"address": address, "query": query})
    if not queries:
        return {}
    candidates: dict[str, list[str]] = {}
    params = {"queries": queries, "index": ADDRESS_KEY_INDEX, "limit": SCREEN_CANDIDATES}
    for row in store.read("address_candidates_batch", params):
        candidates.setdefault(row["address"], []).append(row["key"])
    return {address: _scored(frozenset(address.split()), keys) for address, keys in candidates.items()}


def _scored(tokens: frozenset[str], keys: list[str]) -> list[tuple[str, float]]:
    pairs = [(key, address_similarity(tokens, frozenset(key.split()))) for key in keys]
    return sorted(((key, score) for key, score in pairs if score > 0), key=lambda pair: -pair[1])
