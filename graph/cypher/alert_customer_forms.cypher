// Customers' name forms and names in id order, a page at a time (a first load's name search reads them all).
MATCH (e:Entity)
WHERE e.id > $after AND e:CustomerAccount AND e.nameForms IS NOT NULL
RETURN e.id AS id, e.nameForms AS forms, e.name AS name
ORDER BY e.id
LIMIT $limit
