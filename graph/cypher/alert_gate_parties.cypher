// The parties whose names reached customers, as ``graph.alert_gate`` scores a customer against them: each with
// every record (its version, whether removed: is the party new?), whether an analyst judged any record, and the
// candidate values it holds ($labels: screening's candidate value labels).
UNWIND $ids AS entityId
MATCH (e:Entity {id: entityId})
CALL (e) {
  OPTIONAL MATCH (r:Record)-[:RESOLVES_TO]->(e)
  RETURN [x IN collect(r) | {id: x.id, source: x.source, sourceKey: x.sourceKey, loadId: x.loadId,
                             sourceVersion: x.sourceVersion, removedIn: x.removedIn}] AS records,
         any(x IN collect(r) WHERE EXISTS { (x)-[:JUDGED]-(:Record) }) AS judged
}
RETURN e.id AS entityId, e.name AS name, e.schema AS schema, coalesce(e.listed, false) AS listed, records, judged,
       [(e)-->(v) WHERE any(l IN labels(v) WHERE l IN $labels) |
        {labels: [l IN labels(v) WHERE l IN $labels], key: v.key}] AS values
