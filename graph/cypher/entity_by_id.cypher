// One entity by its ID, following a retired ID to its successor.
OPTIONAL MATCH (retired:RetiredEntity {id: $id})
WITH coalesce(retired.successor, $id) AS entityId
MATCH (e:Entity {id: entityId})
RETURN e.id AS id, e.name AS name, e.schema AS schema, e.aliases AS aliases, e.listed AS listed,
       e.countries AS countries, e.birthDates AS birthDates, e.recordCount AS recordCount, e.sources AS sources,
       e.nameDetails AS nameDetails, e.identifiers AS identifiers
