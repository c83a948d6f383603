"""Per-request context: who asks, the graph store, and the DataLoaders that batch reads.

A page of 50 entities with their sanctions and records costs one query per kind
of field, not one per entity: resolvers ask a loader, and the loader sends all
keys asked for in one event-loop tick as one Cypher query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from anyio import to_thread
from graphene.utils.dataloader import DataLoader

from graph import queries
from graph.queries import EntityRow, RecordRow, SanctionRow
from graph.screening import Screener
from graph.store import GraphStore
from graph_api.auth import Principal
from graph_api.jobs import IngestJobs
from ingest.staging import exclusive_writer
from resolution.judgements import record_judgement
from sanctiongraph.errors import ApiError, IngestError, ResolutionError

T = TypeVar("T")
# A judgement waits this long for another API process's write to staging before giving up.
JUDGEMENT_WAIT_SECONDS = 10.0


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (a graph read, a scoring run) without blocking the event loop."""
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
class Services:
    """What requests share for the life of the app."""

    store: GraphStore
    screener: Screener
    jobs: IngestJobs
    staging_path: Path


@dataclass
class RequestContext:
    services: Services
    principal: Principal
    entities: EntityLoader = field(init=False)
    sanctions: SanctionsLoader = field(init=False)
    _records: dict[tuple[int, int], RecordsLoader] = field(default_factory=dict)
    # Entity IDs this request's resolvers returned, for the audit log (``app.record_entities``).
    shown: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.entities = EntityLoader(self.store)
        self.sanctions = SanctionsLoader(self.store)

    @property
    def store(self) -> GraphStore:
        return self.services.store

    @property
    def screener(self) -> Screener:
        return self.services.screener

    @property
    def jobs(self) -> IngestJobs:
        return self.services.jobs

    def records(self, skip: int, limit: int) -> RecordsLoader:
        key = (skip, limit)
        if key not in self._records:
            self._records[key] = RecordsLoader(self.store, skip, limit)
        return self._records[key]

    def read(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
        """``func(store, *args)`` in a worker thread (graph functions take the store first)."""
        return in_thread(func, self.store, *args, **kwargs)

    def judge(self, store: GraphStore, record_a: str, record_b: str, same: bool, note: str | None) -> dict[str, Any]:
        """Record a judgement in staging (for later resolutions) and in the graph (for screening now)."""
        try:
            with exclusive_writer(self.services.staging_path, JUDGEMENT_WAIT_SECONDS, what="judgement"):
                judgement = record_judgement(
                    self.services.staging_path, record_a, record_b, same, note, self.principal.name
                )
        except ResolutionError as error:  # an unknown record, or a record judged against itself: the client's input
            raise ApiError(str(error), code="BAD_REQUEST") from error
        except IngestError as error:  # another API process's ingest holds staging: retry later
            raise ApiError(str(error), code="SERVICE_UNAVAILABLE") from error
        verdict = "same" if same else "not_same"
        store.write(
            "merge_judgements",
            {
                "rows": [
                    {
                        "recordA": judgement.record_a,
                        "recordB": judgement.record_b,
                        "judgement": verdict,
                        "note": note,
                        "author": self.principal.name,
                        "at": judgement.created_at.isoformat(),
                    }
                ],
                "loadId": 0,
            },
        )
        return {
            "record_a": judgement.record_a,
            "record_b": judgement.record_b,
            "judgement": verdict,
            "note": note,
            "author": self.principal.name,
        }
