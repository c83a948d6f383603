"""The loader's parts; ``graph.loader.run_load`` puts them together.

- ``plan``: staging opened for reading, the load's mode, the small tables, its summary and progress;
- ``writer``: batches sent from background threads that never lock the same node;
- ``fresh``: a first load into an empty graph, created as its rows are built;
- ``incremental``: what a later load deletes (the run's removals, or a full load's sweep).

What the graph should hold comes from ``rows`` and ``extract`` (shared values and relations,
set-wise in DuckDB); what the last load wrote, to compare with, is ``state``.
"""
