// Sources with their versions, oldest version first.
MATCH (s:Source)
WHERE s.name IS NOT NULL
OPTIONAL MATCH (s)-[:HAS_VERSION]->(v:SourceVersion)
WITH s, v ORDER BY v.ingestedAt
RETURN s.name AS name, s.format AS format,
       collect(v {.version, .rowsRead, .records, .quarantined, .added, .changed, .removed, .ingestedAt}) AS versions
ORDER BY name
