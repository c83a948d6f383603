"""GraphiQL for people exploring the API in a browser.

The page loads GraphiQL from the web bundle ``sanctiongraph serve`` ships when
it is built (``web/``); until then, from the unpkg CDN.
"""

GRAPHIQL_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>sanctiongraph GraphQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    const key = localStorage.getItem("sanctiongraph-api-key");
    const headers = key ? { Authorization: "Bearer " + key } : {};
    const fetcher = GraphiQL.createFetcher({ url: "/graphql", headers });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: '{ search(query: "Korea Kwangson Banking", first: 5) { edges { node { id name schema } } } }',
      })
    );
  </script>
</body>
</html>
"""
