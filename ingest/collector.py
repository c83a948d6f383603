"""The garbage collector's pace while a table is built into records.

Building records allocates millions of small container objects (records, names,
tuples of cleaned values), nearly all freed by reference counting as soon as a
chunk's rows are staged. At CPython's default pace (a young collection every 700
allocations) the collector also walks, again and again, every long-lived object:
the country, territory and phone tables and the cleaners' caches, which made a
fifth of an ingest's CPU. ``building()`` collects young objects every
``YOUNG_OBJECTS`` allocations instead; a worker process, which does nothing
else, also freezes what survives each chunk (``gc.freeze``), so that full
collections no longer walk the tables at all. Cycles are still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections (CPython's default is 700), and young (then middle) collections
# between older ones (default 10 and 10).
YOUNG_OBJECTS = 20_000
OLDER_EVERY = 50


def set_building_pace() -> None:
    gc.set_threshold(YOUNG_OBJECTS, OLDER_EVERY, OLDER_EVERY)


@contextmanager
def building() -> Iterator[None]:
    """The building pace for the duration, the caller's after."""
    previous = gc.get_threshold()
    set_building_pace()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
