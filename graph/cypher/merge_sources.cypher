// The sources ingested and each of their versions, with what changed between versions.
UNWIND $rows AS row
MERGE (s:Source {name: row.name})
SET s.format = row.format, s.loadId = $loadId
WITH s, row
UNWIND row.versions AS version
MERGE (v:SourceVersion {id: row.name + '@' + version.version})
SET v += version, v.loadId = $loadId
MERGE (s)-[:HAS_VERSION]->(v)
