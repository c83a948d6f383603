// Every GraphQL document the page sends, with the types of what comes back.
// Only fields of graph_api/schema.graphql are used.

export interface GraphNode {
  id: string;
  label: string;
  name: string;
  entityId: string | null;
  key: string | null;
  schema: string | null;
  listed: boolean;
  degree: number | null;
  specificity: number | null;
  superNode: boolean;
}

export interface GraphEdge {
  source: string;
  target: string;
  type: string;
  confidence: number;
  share: number | null;
  role: string | null;
  records: string[];
}

export interface Path {
  nodes: GraphNode[];
  edges: GraphEdge[];
  score: number;
  explanation: string[];
}

export interface Comparison {
  comparison: string;
  level: number;
  label: string | null;
  weight: number;
}

export interface SourceRecord {
  id: string;
  source: string;
  sourceKey: string;
  sourceVersion: string | null;
  schema: string;
  name: string;
  names: string[];
  matchProbability: number | null;
  matchWeight: number | null;
  evidence: {
    partnerRecordId: string;
    matchProbability: number | null;
    matchWeight: number | null;
    comparisons: Comparison[];
  } | null;
}

export interface Sanction {
  id: string;
  authority: string;
  program: string | null;
  listName: string | null;
  listedOn: string | null;
  reference: string | null;
  recordId: string;
  source: string;
  delistedIn: string | null;
}

export interface Relation {
  type: string;
  direction: string;
  share: number | null;
  role: string | null;
  startDate: string | null;
  endDate: string | null;
  records: string[];
  other: GraphNode;
}

export interface SharedValue {
  kind: string | null;
  node: GraphNode;
  users: { id: string; name: string; listed: boolean; entityId: string | null }[];
}

interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface EntityName {
  value: string;
  /** primary, alias, weak, former or acronym */
  kind: string;
  script: string | null;
}

export interface EntityIdentifier {
  /** passport, national_id, imo, lei, bic, registration, ... */
  kind: string;
  value: string;
  country: string | null;
}

export interface RecordJudgement {
  recordId: string;
  otherRecordId: string;
  otherEntityId: string | null;
  otherName: string | null;
  judgement: string;
  note: string | null;
  author: string | null;
  at: string | null;
}

export interface Entity {
  id: string;
  name: string;
  schema: string;
  aliases: string[];
  listed: boolean;
  countries: string[];
  birthDates: string[];
  sources: string[];
  recordCount: number;
  sanctions: Sanction[];
  records: Page<SourceRecord>;
  relations: Page<Relation>;
  infrastructure: Page<SharedValue>;
  names: EntityName[];
  identifiers: EntityIdentifier[];
  judgements: RecordJudgement[];
}

export interface SearchHit {
  id: string;
  name: string;
  schema: string;
  listed: boolean;
  score: number | null;
  aliases: string[];
  countries: string[];
  identifiers: EntityIdentifier[];
}

export interface Exposure {
  entityId: string;
  listed: boolean;
  score: number;
  paths: Path[];
}

export interface Ownership {
  entityId: string;
  listedShare: number;
  blocked: boolean;
  unknownShares: boolean;
  blockedOwners: string[];
  chains: {
    owners: GraphNode[];
    shares: (number | null)[];
    effectiveShare: number | null;
    listedOwner: string | null;
  }[];
}

export interface FrontCandidate {
  entity: GraphNode;
  score: number;
  indicators: { name: string; evidence: string | null; weight: number }[];
}

export interface ScreenMatch {
  entityId: string;
  name: string;
  schema: string;
  listed: boolean;
  probability: number;
  matchWeight: number;
  explanation: Comparison[];
  records: { source: string; sourceKey: string }[];
  via: string[];
  judged: string | null;
}

export interface ScreenResult {
  decision: "HIT" | "REVIEW" | "CLEAR";
  exposureScore: number;
  matches: ScreenMatch[];
  exposure: { kind: string; value: string; score: number; entity: GraphNode; path: Path | null }[];
}

export interface Judgement {
  recordA: string;
  recordB: string;
  judgement: string;
  note: string | null;
  author: string;
}

const NODE = "id label name entityId key schema listed degree specificity superNode";
const EDGE = "source target type confidence share role records";
const PATH = `nodes { ${NODE} } edges { ${EDGE} } score explanation`;
const COMPARISON = "comparison level label weight";
const JUDGEMENT = "recordId otherRecordId otherEntityId otherName judgement note author at";
const SHARED = `kind node { ${NODE} } users { id name listed entityId }`;

export const ME = "query Me { me { name role may } }";

export const SEARCH = `query Search($query: String!, $first: Int, $after: String) {
  search(query: $query, first: $first, after: $after) {
    edges { node { id name schema listed score aliases countries identifiers { kind value country } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const ENTITY = `query Entity($id: ID!) {
  entity(id: $id) {
    id name schema aliases listed countries birthDates sources recordCount
    names { value kind script }
    identifiers { kind value country }
    judgements { ${JUDGEMENT} }
    sanctions { id authority program listName listedOn reference recordId source delistedIn }
    records(first: 20) {
      edges { node { id source sourceKey sourceVersion schema name names matchProbability matchWeight
        evidence { partnerRecordId matchProbability matchWeight comparisons { ${COMPARISON} } } } }
      pageInfo { hasNextPage endCursor }
    }
    relations(first: 20) {
      edges { node { type direction share role startDate endDate records other { ${NODE} } } }
      pageInfo { hasNextPage endCursor }
    }
    infrastructure(first: 20) {
      edges { node { ${SHARED} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const MORE_INFRASTRUCTURE = `query MoreInfrastructure($id: ID!, $after: String) {
  entity(id: $id) {
    id
    infrastructure(first: 20, after: $after) {
      edges { node { ${SHARED} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const JUDGEMENTS = `query Judgements($id: ID!) {
  entity(id: $id) { id judgements { ${JUDGEMENT} } }
}`;

export const RELATIONSHIP_TYPES = "query RelationshipTypes { relationshipTypes }";

export const MORE_RECORDS = `query MoreRecords($id: ID!, $after: String) {
  entity(id: $id) {
    id
    records(first: 20, after: $after) {
      edges { node { id source sourceKey sourceVersion schema name names matchProbability matchWeight
        evidence { partnerRecordId matchProbability matchWeight comparisons { ${COMPARISON} } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const NETWORK = `query Network($id: ID!, $depth: Int, $types: [String!], $minConfidence: Float, $first: Int) {
  network(entityId: $id, depth: $depth, relationshipTypes: $types, minConfidence: $minConfidence, first: $first) {
    nodes { ${NODE} } edges { ${EDGE} } truncated
  }
}`;

export const ANALYSIS = `query Analysis($id: ID!) {
  exposure(entityId: $id) { entityId listed score paths { ${PATH} } }
  ownership(entityId: $id) {
    entityId listedShare blocked unknownShares blockedOwners
    chains { owners { ${NODE} } shares effectiveShare listedOwner }
  }
}`;

export const FRONTS = `query Fronts($id: ID!) {
  frontCompanies(listedEntityId: $id, first: 25) { entity { ${NODE} } score indicators { name evidence weight } }
}`;

export const PATHS = `query Paths($from: ID!, $to: ID!, $maxHops: Int, $types: [String!]) {
  paths(fromId: $from, toId: $to, maxHops: $maxHops, relationshipTypes: $types) { ${PATH} }
}`;

export const SCREEN = `query Screen($input: ScreenInput!) {
  screen(input: $input) {
    decision exposureScore
    matches { entityId name schema listed probability matchWeight via judged
      records { source sourceKey } explanation { ${COMPARISON} } }
    exposure { kind value score entity { ${NODE} } path { ${PATH} } }
  }
}`;

export const RECORD_JUDGEMENT = `mutation RecordJudgement($input: JudgementInput!) {
  recordJudgement(input: $input) { recordA recordB judgement note author }
}`;

export interface ClusterValue {
  kind: string | null;
  node: GraphNode;
  users: GraphNode[];
}

export interface InfraCluster {
  id: string;
  size: number;
  score: number;
  values: ClusterValue[];
  exposure: { score: number; paths: Path[] };
}

/** A worklist line: enough to rank and name a cluster; ``CLUSTER`` brings the rest. */
export interface ClusterWork {
  id: string;
  size: number;
  score: number;
  members: { edges: { node: { id: string } }[] };
  values: { kind: string }[];
  exposure: { score: number; paths: { nodes: { id: string; name: string }[] }[] };
}

export interface FrontWork {
  entity: GraphNode;
  score: number;
  indicators: { name: string; evidence: string | null; weight: number }[];
  listedParty: GraphNode | null;
}

/** The worklist: exposed clusters (best first) and front-company candidates across the graph.
 * Light on purpose (the API's cost limit): a cluster's values and paths come with ``CLUSTER`` on a click. */
export const WORKLIST = `query Worklist {
  clusters(exposedOnly: true, first: 25) {
    edges { node { id size score members(first: 1) { edges { node { id } } } values(first: 40) { kind }
      exposure { score paths { nodes { id name } } } } }
  }
  frontCompanies(first: 25) { entity { ${NODE} } score indicators { name evidence weight } listedParty { ${NODE} } }
}`;

/** One cluster whole, by one of its members: its values with their users, and its paths to the list. */
export const CLUSTER = `query Cluster($id: ID!) {
  entity(id: $id) {
    cluster { id size score values(first: 40) { kind node { ${NODE} } users { ${NODE} } }
      exposure { score paths { ${PATH} } } }
  }
}`;

export interface Alert {
  id: string;
  customer: { id: string; name: string };
  decision: string;
  previousDecision: string;
  reason: string;
  path: Path | null;
  listChange: { source: string; version: string; kind: string };
  createdAt: string;
  status: string;
  closedReason: string | null;
  closedBy: string | null;
  history: { at: string; status: string; by: string; note: string | null }[];
}

const ALERT_FIELDS = `id customer { id name } decision previousDecision reason path { ${PATH} }
  listChange { source version kind } createdAt status closedReason closedBy history { at status by note }`;

export const ALERTS = `query Alerts($status: AlertStatus, $first: Int, $after: String) {
  alerts(status: $status, first: $first, after: $after) {
    edges { node { ${ALERT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** An analyst's move: under review, or closed with a note (the API needs the analyst role). */
export const UPDATE_ALERT = `mutation UpdateAlert($id: ID!, $status: AlertStatus!, $note: String) {
  updateAlert(id: $id, status: $status, note: $note) { ${ALERT_FIELDS} }
}`;
