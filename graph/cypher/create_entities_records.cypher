// First load into an empty graph: create entities of one schema, each with its records (pointing at it with
// the merge evidence) and its listings. Every node a batch touches is new, so batches of disjoint entities
// can run in concurrent transactions without waiting on each other. Returns the entities' node ids, by which
// the load's later queries find them: cheaper than an index seek, and there is no index yet (a first load
// builds the uniqueness constraints after the nodes, not node by node).
UNWIND $rows AS row
CREATE (e:Entity:__SCHEMA__ {id: row.id})
SET e.schema = row.schema,
    e.name = row.name,
    e.aliases = row.aliases,
    e.aliasText = row.aliasText,
    e.listed = row.listed,
    e.countries = row.countries,
    e.birthDates = row.birthDates,
    e.incorporationDates = row.incorporationDates,
    e.confidence = row.confidence,
    e.recordCount = row.recordCount,
    e.sources = row.sources,
    e.nameDetails = row.nameDetails,
    e.identifiers = row.identifiers,
    e.indicators = row.indicators,
    e.indicatorScore = row.indicatorScore,
    e.nameForms = row.nameForms,
    e.loadId = $loadId
WITH e, row
CALL (e, row) {
  UNWIND row.records AS record
  CREATE (r:Record {id: record.id})
  SET r.source = record.source,
      r.sourceKey = record.sourceKey,
      r.sourceVersion = record.sourceVersion,
      r.schema = record.schema,
      r.name = record.name,
      r.names = record.names,
      r.data = record.data,
      r.loadId = $loadId
  CREATE (r)-[:RESOLVES_TO {matchProbability: record.matchProbability, matchWeight: record.matchWeight,
                            evidence: record.evidence}]->(e)
}
CALL (e, row) {
  UNWIND row.sanctions AS sanction
  CREATE (s:Sanction {id: sanction.id})
  SET s.authority = sanction.authority,
      s.program = sanction.program,
      s.listName = sanction.listName,
      s.listedOn = sanction.listedOn,
      s.reference = sanction.reference,
      s.recordId = sanction.recordId,
      s.source = sanction.source,
      s.loadId = $loadId
  CREATE (e)-[:HAS_SANCTION]->(s)
}
RETURN collect(row.id) AS ids, collect(id(e)) AS nodes
