"""Neo4j: the managed server, the graph schema and the loading of resolved entities."""
