"""DPRK persons and entities from the bundled lists, for the generator's name variants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.adapters import ofac_csv, un_xml
from ingest.keys import wallet_key
from ingest.record import InfraKind, NameKind, Record, Schema

DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_LISTS: list[tuple[Path, str]] = [
    (DATA / "un" / "consolidated.xml", "un-xml"),
    (DATA / "ofac" / "snapshot_2022-01", "ofac-csv"),
]
_SOURCES = {"un-xml": ("un_sc_sanctions", un_xml.iter_records), "ofac-csv": ("us_ofac_sdn", ofac_csv.iter_records)}


@dataclass(frozen=True, slots=True)
class ListedParty:
    source: str
    source_key: str
    name: str
    schema: str
    wallets: tuple[str, ...] = ()  # as the list writes them (``XBT:1Ef...``)
    addresses: tuple[tuple[str, str | None, str], ...] = ()  # street, city, country name; outside North Korea

    def reference(self) -> dict[str, str]:
        """How the ground truth names it: the staged record is ``source:source_key``."""
        return {"source": self.source, "source_key": self.source_key, "name": self.name}


_COMMERCIAL = (
    "COMPANY",
    "CORPORATION",
    "CORP",
    "TRADING",
    "BANK",
    "GROUP",
    "LTD",
    "LIMITED",
    "TECHNOLOGY",
    "INDUSTRIAL",
    "SHIPPING",
    "ENTERPRISE",
    "DEVELOPMENT",
    "INFORMATION",
    "PTE",
    "LLC",
    "CO.",
)


def _is_dprk(record: Record) -> bool:
    return any((s.program or "").upper().startswith("DPRK") for s in record.sanctions)


def load_listed_parties(paths: list[tuple[Path, str]] | None = None) -> list[ListedParty]:
    """DPRK-programme persons and organisations of the given lists (default: the bundled UN and OFAC samples).

    A list that is missing is skipped, so the generator also runs without them
    (its variants then come from nowhere and it plants no imitations).
    """
    found: list[ListedParty] = []
    for path, fmt in paths if paths is not None else DEFAULT_LISTS:
        if not path.exists() or fmt not in _SOURCES:
            continue
        source, iter_records = _SOURCES[fmt]
        for item in iter_records(path, source):
            if isinstance(item, Record) and _is_dprk(item) and item.schema is not Schema.VESSEL:
                primary = next((n.value for n in item.names if n.kind is NameKind.PRIMARY), item.caption)
                schema = "Person" if item.schema is Schema.PERSON else "Organization"
                if schema == "Organization" and not any(word in primary.upper() for word in _COMMERCIAL):
                    continue  # a front company imitates a business, not a ministry or an army unit
                # OFAC writes "KIM, Kwang Hyok": family name first, the comma is punctuation.
                found.append(ListedParty(source, item.source_key, primary.replace(",", ""), schema))
    return sorted(found, key=lambda p: (p.source, p.source_key))


def _addresses(record: Record) -> tuple[tuple[str, str | None, str], ...]:
    return tuple(
        (a.street, a.city, a.full.rsplit(", ", 1)[-1])
        for a in record.addresses
        if a.street and a.country and a.country != "KP" and any(c.isdigit() for c in a.street)
    )


def load_listed_infrastructure(path: Path = DATA / "ofac" / "snapshot_2022-01") -> list[ListedParty]:
    """OFAC parties of any programme with a digital currency address or a street address outside North Korea.

    What a customer may share with a listed party: the generator plants
    accounts paying from these wallets and front companies at these addresses.
    """
    if not path.exists():
        return []
    found: list[ListedParty] = []
    for item in ofac_csv.iter_records(path, "us_ofac_sdn"):
        if not isinstance(item, Record):
            continue
        # The legacy CSV cuts long remarks ("XBT 1Gq"): only whole addresses are planted.
        wallets = tuple(i.value for i in item.infra if i.kind is InfraKind.WALLET and wallet_key(i.value))
        addresses = _addresses(item)
        if wallets or addresses:
            primary = next((n.value for n in item.names if n.kind is NameKind.PRIMARY), item.caption)
            schema = "Person" if item.schema is Schema.PERSON else "Organization"
            found.append(ListedParty("us_ofac_sdn", item.source_key, primary, schema, wallets, addresses))
    return found
