// Ongoing screening: the entities a load touched, as walk starts (element ids), and which of them are customers.
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN elementId(e) AS node, e.id AS id, e:CustomerAccount AS customer, coalesce(e.listed, false) AS listed,
       e.name AS name, coalesce(e.aliases, []) AS aliases
