// First load into an empty graph: create entities of one schema (no lookups needed).
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
    e.loadId = $loadId
