// Entities by ID, in one round trip (the API's DataLoader batches through this).
UNWIND $ids AS entityId
MATCH (e:Entity {id: entityId})
RETURN e.id AS id, e.name AS name, e.schema AS schema, e.aliases AS aliases, e.listed AS listed,
       e.countries AS countries, e.birthDates AS birthDates, e.recordCount AS recordCount, e.sources AS sources,
       e.nameDetails AS nameDetails, e.identifiers AS identifiers
