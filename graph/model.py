"""The graph model: every label, relationship type, key property and index name.

Nothing else in the project spells a label or relationship type. Labels and
types cannot be Cypher parameters, so the Cypher registry (``graph.cypher``)
substitutes them into query text, and only from the names defined here.

- ``(:Entity:<Schema>)`` a resolved party; ``<Schema>`` is its FtM schema.
- ``(:Record)-[:RESOLVES_TO {matchProbability, matchWeight, evidence}]->(:Entity)``
  one source entry and the entity it resolved to.
- ``(:Entity)-[:HAS_SANCTION]->(:Sanction)`` a listing, with the record it came from.
- ``(:Entity)-[:OWNS|DIRECTOR_OF|...]->(:Entity)`` relations, each with its records.
- ``(:Entity)-[:HAS_EMAIL|...]->(:Email|...)`` shared infrastructure, keyed by value.
- ``(:RetiredEntity {id, successor})`` an entity ID merged away, for old links.
- ``(:Record)-[:JUDGED {judgement, note, author}]->(:Record)`` an analyst's decision.
- ``(:Source)-[:HAS_VERSION]->(:SourceVersion)`` what was ingested, with its changes.
- ``(:Alert {id, customerId, status, ...})`` ongoing screening: a customer whose decision or exposure a
  load changed, with the reason (``graph.alerts``); ``(:CustomerScreening {id})`` the last decision and
  reasons of each customer that is not CLEAR (absent means CLEAR), the baseline the next load compares with.
- ``(:Entity)-[:IN_CLUSTER]->(:InfraCluster)`` a shared-infrastructure cluster (``graph.clusters``):
  entities joined by strong shared values, with its values, links and exposure as properties.
"""

from __future__ import annotations

from enum import StrEnum

from ingest.record import InfraKind, RelationKind, Schema

# Bump when a change to this module needs the graph rebuilt from scratch.
GRAPH_SCHEMA_VERSION = 1


class Label(StrEnum):
    ENTITY = "Entity"
    RECORD = "Record"
    SANCTION = "Sanction"
    RETIRED_ENTITY = "RetiredEntity"
    LOAD = "Load"
    SOURCE = "Source"
    SOURCE_VERSION = "SourceVersion"
    ADDRESS = "Address"
    EMAIL = "Email"
    DOMAIN = "Domain"
    PHONE = "Phone"
    IP_ADDRESS = "IPAddress"
    IP_NETWORK = "IPNetwork"
    WALLET = "Wallet"
    PAYMENT_INSTRUMENT = "PaymentInstrument"
    DEVICE = "Device"
    IDENTIFIER = "Identifier"
    INFRA_CLUSTER = "InfraCluster"
    ALERT = "Alert"
    CUSTOMER_SCREENING = "CustomerScreening"


class Rel(StrEnum):
    RESOLVES_TO = "RESOLVES_TO"
    HAS_SANCTION = "HAS_SANCTION"
    OWNS = "OWNS"
    DIRECTOR_OF = "DIRECTOR_OF"
    OFFICER_OF = "OFFICER_OF"
    ASSOCIATE_OF = "ASSOCIATE_OF"
    FAMILY_OF = "FAMILY_OF"
    OPERATES = "OPERATES"
    LINKED_TO = "LINKED_TO"
    PARENT_OF = "PARENT_OF"
    INTERMEDIARY_OF = "INTERMEDIARY_OF"
    HAS_ADDRESS = "HAS_ADDRESS"
    HAS_EMAIL = "HAS_EMAIL"
    HAS_DOMAIN = "HAS_DOMAIN"
    HAS_PHONE = "HAS_PHONE"
    HAS_IP = "HAS_IP"
    HAS_WALLET = "HAS_WALLET"
    HAS_PAYMENT_INSTRUMENT = "HAS_PAYMENT_INSTRUMENT"
    HAS_DEVICE = "HAS_DEVICE"
    HAS_IDENTIFIER = "HAS_IDENTIFIER"
    IN_NETWORK = "IN_NETWORK"
    AT_DOMAIN = "AT_DOMAIN"
    SIMILAR_ADDRESS = "SIMILAR_ADDRESS"
    JUDGED = "JUDGED"
    HAS_VERSION = "HAS_VERSION"
    IN_CLUSTER = "IN_CLUSTER"


# Entity schema labels: every FtM schema a record can have, except Address, which is
# the label of shared address values (an address entity keeps schema "Address" as a property).
SCHEMA_LABELS: frozenset[str] = frozenset(str(s) for s in Schema) - {str(Schema.ADDRESS)}

RELATION_TYPES: dict[RelationKind, Rel] = {
    RelationKind.OWNS: Rel.OWNS,
    RelationKind.DIRECTOR_OF: Rel.DIRECTOR_OF,
    RelationKind.OFFICER_OF: Rel.OFFICER_OF,
    RelationKind.ASSOCIATE_OF: Rel.ASSOCIATE_OF,
    RelationKind.FAMILY_OF: Rel.FAMILY_OF,
    RelationKind.OPERATES: Rel.OPERATES,
    RelationKind.LINKED_TO: Rel.LINKED_TO,
    RelationKind.PARENT_OF: Rel.PARENT_OF,
    RelationKind.INTERMEDIARY_OF: Rel.INTERMEDIARY_OF,
    RelationKind.ADDRESS_OF: Rel.HAS_ADDRESS,
}

# Infrastructure kind -> (node label, relationship from the entity).
INFRA: dict[str, tuple[Label, Rel]] = {
    InfraKind.EMAIL: (Label.EMAIL, Rel.HAS_EMAIL),
    InfraKind.DOMAIN: (Label.DOMAIN, Rel.HAS_DOMAIN),
    InfraKind.WEBSITE: (Label.DOMAIN, Rel.HAS_DOMAIN),
    InfraKind.PHONE: (Label.PHONE, Rel.HAS_PHONE),
    InfraKind.IP_ADDRESS: (Label.IP_ADDRESS, Rel.HAS_IP),
    InfraKind.WALLET: (Label.WALLET, Rel.HAS_WALLET),
    InfraKind.PAYMENT_FINGERPRINT: (Label.PAYMENT_INSTRUMENT, Rel.HAS_PAYMENT_INSTRUMENT),
    InfraKind.DEVICE_ID: (Label.DEVICE, Rel.HAS_DEVICE),
    "address": (Label.ADDRESS, Rel.HAS_ADDRESS),
    "identifier": (Label.IDENTIFIER, Rel.HAS_IDENTIFIER),
}

# What kind of value each shared-value label holds: the label says it, so the nodes do not store it.
VALUE_KINDS: dict[str, str] = {str(label): str(kind) for kind, (label, _) in INFRA.items() if kind != InfraKind.WEBSITE}
VALUE_KINDS[str(Label.IP_NETWORK)] = "network"

# Uniquely constrained key property of each node label.
KEYS: dict[Label, str] = {
    Label.ENTITY: "id",
    Label.RECORD: "id",
    Label.SANCTION: "id",
    Label.RETIRED_ENTITY: "id",
    Label.LOAD: "id",
    Label.SOURCE: "name",
    Label.SOURCE_VERSION: "id",
    **{label: "key" for label, _ in INFRA.values()},
    Label.IP_NETWORK: "key",
    Label.INFRA_CLUSTER: "id",
    Label.ALERT: "id",
    Label.CUSTOMER_SCREENING: "id",
}

ENTITY_NAME_INDEX = "entity_names"
# Full-text over customers' name forms (``nameForms``, one word a form, split on whitespace only): ongoing
# screening finds the customers a changed listed party's forms are near, typos within two edits (``graph.alerts``).
CUSTOMER_FORMS_INDEX = "customer_name_forms"
# Full-text over address keys: screening finds the near-identical addresses of an applicant's by it.
ADDRESS_KEY_INDEX = "address_keys"
RECORD_SOURCE_KEY_INDEX = "record_source_key"
# Clusters by rank (exposure score, then size): the ``clusters`` worklist reads them in its order.
CLUSTER_RANK_INDEX = "infra_cluster_rank"
# Alerts by status, newest first: the ``alerts`` worklist reads them in that order.
ALERT_STATUS_INDEX = "alert_status_created"
# Alerts of a customer: a load looks up the open alerts of the customers it re-screens.
ALERT_CUSTOMER_INDEX = "alert_customer"

ALL_LABELS: frozenset[str] = frozenset(str(label) for label in Label) | SCHEMA_LABELS
ALL_REL_TYPES: frozenset[str] = frozenset(str(rel) for rel in Rel)


def constraint_name(label: Label) -> str:
    return f"{label.lower()}_{KEYS[label]}_unique"
