"""Common name words: the words that say little about which party a name means.

Two North Korean companies called ``Korea ... Trading Corporation`` share the
words "korea" and "trading"; two Pakistani men share "muhammad". A shared word
is evidence in proportion to how rare it is, which is what Splink's
term-frequency adjustment measures for single-valued columns. Names here are
lists, so the frequencies are taken once, at training time, over the training
corpus (each word counted once per record), and the words used by more than
``COMMON_SHARE`` of a family's records are written to
``models/common_words.json``. Features then treat those words as common: they
do not count as shared name words, and a name made only of them is a common
name.

Invariant: the file is part of the trained model. It changes only with
``train``, and ``resolve`` fingerprints it with the models so stored features
and evidence from another model are never reused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rigour.names import NameTypeTag, SymbolCategory, analyze_names

from resolution.normalize import latin

# Where the shipped models live (``resolution.models`` re-exports it).
MODELS_DIR = Path(__file__).parent / "models"
VOCABULARY_FILE = "common_words.json"
# A word in at least this share of a family's records is common ...
COMMON_SHARE = 0.003
# ... and in at least this many (a small corpus must not make every repeated word common).
MIN_COMMON_COUNT = 5


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Per family, the name words too common to identify anyone."""

    common: dict[str, frozenset[str]]

    def is_common(self, family: str, word: str) -> bool:
        words = self.common.get(family)
        return words is not None and word in words

    def words(self, family: str) -> frozenset[str]:
        return self.common.get(family, frozenset())


EMPTY = Vocabulary({})


def count_words(names_per_record: Iterable[Iterable[str]]) -> tuple[Counter[str], int]:
    """Document frequency of each word (once per record) and the number of records."""
    counts: Counter[str] = Counter()
    records = 0
    for words in names_per_record:
        counts.update(set(words))
        records += 1
    return counts, records


def common_words(counts: Counter[str], records: int) -> frozenset[str]:
    cut = max(MIN_COMMON_COUNT, COMMON_SHARE * records)
    return frozenset(word for word, n in counts.items() if n >= cut)


# rigour tags these in organisation names: legal forms, sectors, places, generic business words.
_GENERIC_SYMBOLS = frozenset(
    {SymbolCategory.ORG_CLASS, SymbolCategory.DOMAIN, SymbolCategory.SYMBOL, SymbolCategory.LOCATION}
)


def generic_org_words(names: Iterable[str]) -> frozenset[str]:
    """Words of these organisation names that rigour's tagger marks as generic, as our keys spell them."""
    words: set[str] = set()
    for name in set(names):
        for analysed in analyze_names(NameTypeTag.ORG, [name], phonetics=False, consolidate=False):
            for span in analysed.spans:
                if span.symbol.category in _GENERIC_SYMBOLS:
                    words.update(t for part in span.parts for t in latin(part.form).split())
    return frozenset(words)


def save_vocabulary(vocabulary: Vocabulary, models_dir: Path) -> Path:
    path = models_dir / VOCABULARY_FILE
    data = {family: sorted(words) for family, words in sorted(vocabulary.common.items())}
    path.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    load_vocabulary.cache_clear()
    return path


@lru_cache(maxsize=8)
def load_vocabulary(models_dir: Path) -> Vocabulary:
    """The common words of a trained model; empty when the model has none (every word counts)."""
    path = models_dir / VOCABULARY_FILE
    if not path.is_file():
        return EMPTY
    data = json.loads(path.read_text(encoding="utf-8"))
    return Vocabulary({family: frozenset(words) for family, words in data.items()})
