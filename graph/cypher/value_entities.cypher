// Entities using exact identifier or contact values (for searches by passport number, e-mail, phone, IP).
CALL () {
  UNWIND $values.Identifier AS key
  MATCH (:Identifier {key: key})<-[:HAS_IDENTIFIER]-(e:Entity)
  RETURN e
  UNION
  UNWIND $values.Email AS key
  MATCH (:Email {key: key})<-[:HAS_EMAIL]-(e:Entity)
  RETURN e
  UNION
  UNWIND $values.Phone AS key
  MATCH (:Phone {key: key})<-[:HAS_PHONE]-(e:Entity)
  RETURN e
  UNION
  UNWIND $values.IPAddress AS key
  MATCH (:IPAddress {key: key})<-[:HAS_IP]-(e:Entity)
  RETURN e
  UNION
  UNWIND $values.Domain AS key
  MATCH (:Domain {key: key})<-[:HAS_DOMAIN]-(e:Entity)
  RETURN e
  UNION
  UNWIND $values.Wallet AS key
  MATCH (:Wallet {key: key})<-[:HAS_WALLET]-(e:Entity)
  RETURN e
}
RETURN e.id AS id, e.name AS name, e.schema AS schema, e.aliases AS aliases, e.listed AS listed,
       e.countries AS countries, e.birthDates AS birthDates, e.recordCount AS recordCount, e.sources AS sources,
       e.nameDetails AS nameDetails, e.identifiers AS identifiers,
       100.0 AS score
ORDER BY listed DESC, id
LIMIT $limit
