// The entities sharing a candidate value (identifier, e-mail, phone, wallet, payment instrument) with each customer
// of a batch: the value branches of ``screen_candidates_batch``, every entity (to count them against its limit),
// the listed ones with their records as that query returns them. $customers: [{key, values, recordId}].
UNWIND $customers AS c
CALL (c) {
  CALL (c) {
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
  OPTIONAL CALL (e) {
    WITH e WHERE e.listed
    MATCH (r:Record)-[:RESOLVES_TO]->(e)
    WHERE r.removedIn IS NULL
    WITH r
    ORDER BY r.id
    RETURN collect(r)[..$recordsPerEntity] AS records
  }
  RETURN e.id AS entityId, e.name AS name, e.schema AS schema, coalesce(e.listed, false) AS listed, via,
         [r IN coalesce(records, []) | {id: r.id, source: r.source, sourceKey: r.sourceKey, loadId: r.loadId,
          judgements: [(r)-[j:JUDGED]-(other:Record) WHERE other.id = c.recordId | j.judgement]}] AS records
}
RETURN c.key AS customer, entityId, name, schema, listed, via, records
