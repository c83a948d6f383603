// Parties around a listed entity that share a value, an officer or an ownership chain with it.
MATCH (listed:Entity {id: $id})
CALL (listed) {
  MATCH (listed)-[r1]->(v)<-[r2]-(c:Entity)
  WHERE type(r1) IN $valueTypes AND type(r2) = type(r1) AND c <> listed AND NOT coalesce(v.superNode, false)
  RETURN c, 'shared_' + toLower(labels(v)[0]) AS indicator, coalesce(v.value, v.key) AS evidence,
         coalesce(v.specificity, 0.5) AS weight
  UNION
  MATCH (listed)-[:HAS_EMAIL]->(:Email)-[:AT_DOMAIN]->(d:Domain)<-[:AT_DOMAIN]-(:Email)<-[:HAS_EMAIL]-(c:Entity)
  WHERE c <> listed AND NOT coalesce(d.superNode, false)
  RETURN c, 'shared_email_domain' AS indicator, coalesce(d.value, d.key) AS evidence,
         coalesce(d.specificity, 0.3) AS weight
  UNION
  MATCH (listed)<-[:DIRECTOR_OF|OFFICER_OF]-(o:Entity)-[:DIRECTOR_OF|OFFICER_OF]->(c:Entity)
  WHERE c <> listed
  RETURN c, 'shared_officer' AS indicator, o.name AS evidence, 0.8 AS weight
  UNION
  MATCH (listed)-[:OWNS]->{1,3}(c:Entity)
  WHERE c <> listed
  RETURN c, 'owned_by_listed' AS indicator, listed.name AS evidence, 0.9 AS weight
  UNION
  MATCH (listed)-[:LINKED_TO|ASSOCIATE_OF]-(c:Entity)
  WHERE c <> listed
  RETURN c, 'linked_to_listed' AS indicator, listed.name AS evidence, 0.6 AS weight
}
WITH listed, c, collect(DISTINCT {indicator: indicator, evidence: evidence, weight: weight}) AS indicators
RETURN c.id AS id, c.name AS name, c.schema AS schema, c.listed AS listed,
       c.incorporationDates AS incorporationDates, indicators,
       {id: listed.id, name: listed.name, schema: listed.schema, listed: listed.listed} AS listedParty
LIMIT $limit
