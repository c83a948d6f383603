// Listed candidate entities for a batch of customers, each as ``screen_candidates`` finds them for one (the same
// subquery per customer: its own name ids, full-text hits, values and limit), with their records.
// $customers: [{key, entityIds, nameQuery, nameHits, values, recordId}]; ``nameHits``: null, or the ids its
// full-text name query returns, in the index's order (``screen_batch.NameQueryHits``: a query many customers
// share is asked once); rows carry the customer's key.
UNWIND $customers AS c
CALL (c) {
  CALL (c) {
    // Listed entities whose names the screener's in-process name index found (any spelling).
    UNWIND c.entityIds AS entityId
    MATCH (e:Entity {id: entityId})
    RETURN e, 'name' AS via
    UNION
    // The limit option lets Lucene keep only the best hits instead of scoring every
    // entity that shares a common word ("trading", "kim") with the applicant.
    WITH c WHERE c.nameHits IS NULL
    CALL db.index.fulltext.queryNodes($index, c.nameQuery, {limit: $nameCandidates}) YIELD node
    RETURN node AS e, 'name' AS via
    UNION
    // Or the same query's hits asked before, in the same order, in the same place.
    UNWIND coalesce(c.nameHits, []) AS entityId
    MATCH (e:Entity {id: entityId})
    RETURN e, 'name' AS via
    UNION
    UNWIND c.values.Identifier AS key
    MATCH (:Identifier {key: key})<-[:HAS_IDENTIFIER]-(e:Entity)
    RETURN e, 'Identifier' AS via
    UNION
    UNWIND c.values.Email AS key
    MATCH (:Email {key: key})<-[:HAS_EMAIL]-(e:Entity)
    RETURN e, 'Email' AS via
    UNION
    UNWIND c.values.Phone AS key
    MATCH (:Phone {key: key})<-[:HAS_PHONE]-(e:Entity)
    RETURN e, 'Phone' AS via
    UNION
    UNWIND c.values.Wallet AS key
    MATCH (:Wallet {key: key})<-[:HAS_WALLET]-(e:Entity)
    RETURN e, 'Wallet' AS via
    UNION
    UNWIND c.values.PaymentInstrument AS key
    MATCH (:PaymentInstrument {key: key})<-[:HAS_PAYMENT_INSTRUMENT]-(e:Entity)
    RETURN e, 'PaymentInstrument' AS via
  }
  WITH e, collect(DISTINCT via) AS via
  LIMIT $limit
  // Ongoing screening scores listed candidates only: the others are cut after the limit, as it cuts them.
  WITH e, via
  WHERE e.listed
  MATCH (r:Record)-[:RESOLVES_TO]->(e)
  WHERE r.removedIn IS NULL
  WITH e, via, r
  ORDER BY r.id
  WITH e, via, collect(r)[..$recordsPerEntity] AS records
  RETURN e.id AS entityId, e.name AS name, e.schema AS schema, e.listed AS listed, via,
         [r IN records | {id: r.id, source: r.source, sourceKey: r.sourceKey, loadId: r.loadId,
                          judgements: [(r)-[j:JUDGED]-(other:Record) WHERE other.id = c.recordId | j.judgement]}] AS records
}
RETURN c.key AS customer, entityId, name, schema, listed, via, records
