"""North Korean institutions of concern, matched in affiliations by the same name machinery as list entries.

Conference and journal organisers, and cloud providers vetting a company, see an
affiliation line (``Department of Physics, Kim Il Sung University, Pyongyang``),
not a list entry. Kim Il Sung University, Kim Chaek University of Technology or
the State Academy of Sciences are on no sanctions list, yet the UN Panel of
Experts names them in its reports on scientific cooperation with the DPRK; the
analyst-maintained ``data/indicators/dprk_institutions.csv`` keeps them, each
with its public source.

Matching is screening's: every institution's names become compact name forms
(``resolution.name_keys``: script, romanisation, spacing and legal forms folded)
in a ``graph.name_index.NameIndex``; each part of an affiliation (between commas)
is searched there, and a candidate counts only when some two forms are within
keyboard slips (``within_typos``), not merely similar: ``Pohang University of
Science and Technology`` is 90% like ``Pyongyang University of Science and
Technology`` and is an ordinary South Korean university.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from graph.name_index import NameIndex
from ingest.indicators import DATA, Indicator, bad_row, data_rows
from resolution.name_keys import LOOSE, PLAIN, STRICT, match_forms, typo_evidence, within_typos
from resolution.normalize import ORGANIZATION

INSTITUTIONS_FILE = DATA / "dprk_institutions.csv"
INSTITUTION = "institution_kp"
INSTITUTION_WEIGHT = 0.8
_PARTS = re.compile(r"[,;\n\r()]+")
# Abbreviations affiliation lines use and list names do not (``Kim Il-sung Univ.``), written out before matching.
_ABBREVIATIONS = {"univ": "University", "inst": "Institute", "acad": "Academy", "tech": "Technology", "sci": "Sciences"}
_ABBREVIATION = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b\.?", re.IGNORECASE)
# Equal forms this long are one name even where no typo is allowed (``within_typos`` needs six letters).
MIN_EQUAL_CHARS = 5
# A part shorter than this is a department number or a postcode, never an institution's name.
MIN_PART_CHARS = 4


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    source: str
    source_date: str


@dataclass(frozen=True, slots=True)
class Institutions:
    by_id: dict[str, Institution]
    forms: dict[str, tuple[str, ...]]
    index: NameIndex

    def match(self, text: str | None) -> list[Institution]:
        """The institutions of concern an affiliation names, in the order found."""
        found: list[Institution] = []
        for part in _PARTS.split(text or ""):
            part = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], part.strip())
            if len(part) < MIN_PART_CHARS:
                continue
            ours = match_forms([part], ORGANIZATION, (STRICT, PLAIN, LOOSE))
            two = typo_evidence([part], ORGANIZATION)
            for institution_id, _ in self.index.search(ours, ORGANIZATION):
                institution = self.by_id[institution_id]
                theirs = self.forms[institution_id]
                equal = any(len(f) >= MIN_EQUAL_CHARS for f in set(ours) & set(theirs))
                if institution not in found and (equal or within_typos(ours, theirs, two=two)):
                    found.append(institution)
        return found


@cache
def institutions() -> Institutions:
    """The institutions file (and the deployment's, ``ingest.indicators.data_files``) as an index, built once per
    process (a few dozen names: milliseconds). A deployment's row with a bundled row's id replaces it."""
    by_id: dict[str, Institution] = {}
    for path, line, row in data_rows(INSTITUTIONS_FILE):
        try:
            aliases = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
            by_id[row["id"]] = Institution(
                row["id"], row["name"].strip(), aliases, row["kind"], row["source"], row["source_date"]
            )
        except (KeyError, AttributeError) as error:
            raise bad_row(path, line, error) from None
    forms = {key: match_forms([i.name, *i.aliases], ORGANIZATION, (STRICT, PLAIN)) for key, i in by_id.items()}
    index = NameIndex.build(None, [(key, ORGANIZATION, f) for key, f in forms.items()])
    return Institutions(by_id, forms, index)


def affiliation_indicators(text: str | None) -> list[Indicator]:
    """An ``institution_kp`` indicator for each institution of concern the text names, with its source."""
    return [
        Indicator(INSTITUTION, f"{i.name} ({i.source}; {i.source_date})", INSTITUTION_WEIGHT)
        for i in institutions().match(text)
    ]
