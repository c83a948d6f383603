"""Source adapters: each a pure function from a file to canonical records.

An adapter yields ``Record`` for every entry it understands and ``Quarantine``
for every row it cannot use; it never writes anywhere and never drops a row.
A file that is not of its format at all raises ``IngestError``.
"""
