// Full-text search over entity names and aliases, best first, one page at a time.
CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score
WHERE $schema IS NULL OR node.schema = $schema
RETURN node.id AS id, node.name AS name, node.schema AS schema, node.aliases AS aliases,
       node.listed AS listed, node.countries AS countries, node.birthDates AS birthDates,
       node.recordCount AS recordCount, node.sources AS sources,
       node.nameDetails AS nameDetails, node.identifiers AS identifiers, score
ORDER BY score DESC, id
SKIP $skip
LIMIT $limit
