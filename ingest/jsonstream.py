"""JSON values of a file, streamed with line numbers: JSON lines, or one top-level array.

JSON lines is what big sources publish (FtM exports, the Companies House PSC
snapshot); a line that is not JSON is returned as an error so the adapter can
quarantine it and go on. A top-level array (as test fixtures and small exports
are written) is decoded value by value without reading the whole file; there a
syntax error cannot be skipped, because nothing marks where the next value
starts, so it is fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ingest.textfile import open_text
from sanctiongraph.errors import IngestError

_DECODER = json.JSONDecoder()
_MAX_VALUE_CHARS = 64 << 20  # one array element larger than this is not a record


class BadLine:
    """A line of a JSON-lines file that is not valid JSON."""

    __slots__ = ("error", "text")

    def __init__(self, text: str, error: str) -> None:
        self.text, self.error = text, error


def iter_json_values(path: Path) -> Iterator[tuple[int, Any | BadLine]]:
    """(line, value) for every value in ``path``; (line, BadLine) for a JSON-lines line that is not JSON."""
    with open_text(path) as handle:
        first = ""
        line = 0
        for text in handle:
            line += 1
            if text.strip():
                first = text
                break
        if not first:
            return
        if first.lstrip().startswith("["):
            yield from _iter_array(path, handle, first, line)
            return
        yield line, parse_line(first)
        for text in handle:
            line += 1
            if text.strip():
                yield line, parse_line(text)


def iter_json_line_texts(path: Path) -> Iterator[tuple[int, str]] | None:
    """(line, text) for every non-blank line of a JSON-lines file, as ``iter_json_values`` would parse them;
    ``None`` for a file that is one top-level array (its values are not lines)."""
    with open_text(path) as handle:
        for text in handle:
            if text.strip():
                if text.lstrip().startswith("["):
                    return None
                break
    return _line_texts(path)


def _line_texts(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as handle:
        for line, text in enumerate(handle, start=1):
            if text.strip():
                yield line, text


def parse_line(text: str) -> Any | BadLine:
    """One line's value, or a ``BadLine`` saying why it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return BadLine(text.strip()[:200], str(error).split(":", 1)[0])


def _iter_array(path: Path, handle: Any, first: str, line: int) -> Iterator[tuple[int, Any]]:
    buffer = first.lstrip()[1:]
    start_line = line
    exhausted = False
    while True:
        stripped = buffer.lstrip(" \t\r\n,")
        start_line += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if buffer.startswith("]"):
            return
        if buffer:
            try:
                value, end = _DECODER.raw_decode(buffer)
            except json.JSONDecodeError as error:
                if exhausted or len(buffer) > _MAX_VALUE_CHARS:
                    raise IngestError(
                        f"{path}:{start_line + error.lineno - 1}: malformed JSON ({error.msg})",
                        hint="the file may be truncated; fetch it again",
                    ) from error
            else:
                yield start_line, value
                start_line += buffer[:end].count("\n")
                buffer = buffer[end:]
                continue
        if exhausted:
            raise IngestError(f"{path}: JSON array is not closed with ']' (truncated?)", hint="fetch the file again")
        more = handle.readline()
        if more == "":
            exhausted = True
        buffer += more
