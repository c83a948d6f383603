// Upsert resolved entities of one schema; their schema label is set from the graph model.
UNWIND $rows AS row
MERGE (e:Entity {id: row.id})
REMOVE e:__OTHER_SCHEMAS__
SET e:__SCHEMA__,
    e.schema = row.schema,
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
    e.indicators = row.indicators,
    e.indicatorScore = row.indicatorScore,
    e.nameForms = row.nameForms,
    e.loadId = $loadId
