"""Per-request context: the graph store and the DataLoaders that batch its reads.

A page of 50 entities with their sanctions and records costs one query per kind
of field, not one per entity: resolvers ask a loader, and the loader sends all
keys asked for in one event-loop tick as one Cypher query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from anyio import to_thread
from graphene.utils.dataloader import DataLoader

from graph import queries
from graph.queries import EntityRow, RecordRow, SanctionRow
from graph.store import GraphStore

T = TypeVar("T")


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking graph read without blocking the event loop."""
    return await to_thread.run_sync(lambda: func(*args, **kwargs))


class EntityLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, store: GraphStore) -> None:
        super().__init__()
        self.store = store

    async def batch_load_fn(self, keys: list[str]) -> list[EntityRow | None]:
        found = await in_thread(queries.get_entities, self.store, list(keys))
        return [found.get(k) for k in keys]


class SanctionsLoader(DataLoader):  # type: ignore[misc]
    def __init__(self, store: GraphStore) -> None:
        super().__init__()
        self.store = store

    async def batch_load_fn(self, keys: list[str]) -> list[list[SanctionRow]]:
        found = await in_thread(queries.entity_sanctions, self.store, list(keys))
        return [found.get(k, []) for k in keys]


class RecordsLoader(DataLoader):  # type: ignore[misc]
    """Records of entities for one page window (skip, limit): one loader per window."""

    def __init__(self, store: GraphStore, skip: int, limit: int) -> None:
        super().__init__()
        self.store, self.skip, self.limit = store, skip, limit

    async def batch_load_fn(self, keys: list[str]) -> list[list[RecordRow]]:
        found = await in_thread(queries.entity_records, self.store, list(keys), skip=self.skip, limit=self.limit)
        return [found.get(k, []) for k in keys]


@dataclass
class RequestContext:
    store: GraphStore
    entities: EntityLoader = field(init=False)
    sanctions: SanctionsLoader = field(init=False)
    _records: dict[tuple[int, int], RecordsLoader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entities = EntityLoader(self.store)
        self.sanctions = SanctionsLoader(self.store)

    def records(self, skip: int, limit: int) -> RecordsLoader:
        key = (skip, limit)
        if key not in self._records:
            self._records[key] = RecordsLoader(self.store, skip, limit)
        return self._records[key]

    def read(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
        return in_thread(func, self.store, *args, **kwargs)
