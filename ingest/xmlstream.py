"""Streaming XML helpers: elements by local name, whatever the namespace, in flat memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingest import values
from sanctiongraph.errors import IngestError


def iter_elements(path: Path, *local_names: str) -> Iterator[etree._Element]:
    """Each element with one of ``local_names``, complete, then freed once the caller moves on.

    Raises:
        IngestError: the file is missing or not well-formed XML (truncated, wrong
            encoding), naming the line where parsing stopped.
    """
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    tags = [f"{{*}}{name}" for name in local_names]
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag=tags, huge_tree=True, resolve_entities=False):
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None and parent is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else "?"
        raise IngestError(
            f"{path}:{line}: malformed XML ({error.msg})", hint="the file may be truncated or not UTF-8; fetch it again"
        ) from error


def root_text(path: Path, local_name: str, max_elements: int = 200) -> str | None:
    """Text of the first ``local_name`` element near the top of the file (a header field), else None."""
    try:
        for count, (_, element) in enumerate(etree.iterparse(str(path), events=("end",))):
            if etree.QName(element).localname == local_name:
                return values.clean_text(element.text)
            if count > max_elements:
                return None
    except (etree.XMLSyntaxError, OSError):
        return None
    return None


def local_text(element: etree._Element, name: str) -> str | None:
    """Cleaned text of the first child ``name`` (any namespace)."""
    return values.clean_text(element.findtext(f"{{*}}{name}"))


def local_texts(element: etree._Element, path: str) -> list[str]:
    """Cleaned texts of every element at ``path`` (``a/{*}b``: the first step needs no ``{*}``)."""
    found = (values.clean_text(node.text) for node in element.iterfind(f"{{*}}{path}"))
    return [text for text in found if text]
