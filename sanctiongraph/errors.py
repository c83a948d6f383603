"""One exception base for the whole stack, one subclass per layer.

Messages name the input (file, row, field, query) and what to do about it, so the
CLI can print ``str(error)`` as one readable line.
"""

from __future__ import annotations


class SanctionGraphError(Exception):
    """Base of every error sanctiongraph raises on purpose."""

    #: A short hint printed after the message by the CLI ("where to look").
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(SanctionGraphError):
    """A setting or environment variable has a value we cannot use."""


class IngestError(SanctionGraphError):
    """A source file cannot be read; staging is left as it was."""


class MassRemovalError(IngestError):
    """A snapshot version would empty or mostly delist its source, or changes its format; refused unasked."""


class MappingError(IngestError):
    """A declarative mapping file is invalid (checked before any row is read)."""


class ResolutionError(SanctionGraphError):
    """Resolution (Splink models, clustering, judgements) failed."""


class GraphError(SanctionGraphError):
    """Base of the graph layer's errors (the Neo4j store, its queries, screening and alerts)."""


class GraphStoreError(GraphError):
    """Neo4j could not be started, reached or written."""


class GraphUnavailableError(GraphStoreError):
    """Neo4j is not reachable right now; retrying later may succeed."""


class NotFoundError(GraphError):
    """A query names an entity, value or alert the graph does not hold."""


class InvalidArgumentError(GraphError):
    """A query's argument is out of range or of the wrong kind; the message says what is allowed."""


class ApiError(SanctionGraphError):
    """An error the GraphQL API reports to its client with a stable code."""

    code = "INTERNAL"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ExportError(SanctionGraphError):
    """An export cannot be written (nothing resolved yet, an unknown run or format); nothing is changed."""
