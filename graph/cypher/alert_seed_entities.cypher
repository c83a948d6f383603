// Ongoing screening: the entities a load touched, as walk starts (element ids), and which of them are customers;
// a listed one's names (every name of its records, "kind|script|name") to search customers' name forms by.
UNWIND $ids AS id
MATCH (e:Entity {id: id})
RETURN elementId(e) AS node, e.id AS id, e:CustomerAccount AS customer, coalesce(e.listed, false) AS listed,
       e.schema AS schema, e.name AS name, coalesce(e.nameDetails, []) AS nameDetails
