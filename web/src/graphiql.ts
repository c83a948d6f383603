// GraphiQL for people exploring the API, bundled from npm (no CDN). The API serves
// this page at GET /graphql to browsers; it sends the key the investigator page keeps.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { KEY_STORAGE } from "./api";

const key = sessionStorage.getItem(KEY_STORAGE);
const root = document.getElementById("graphiql");
if (root) {
  root.textContent = "";
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher: createGraphiQLFetcher({ url: new URL("graphql", location.href).href }),
      defaultQuery:
        '{ search(query: "Korea Kwangson Banking", first: 5) { edges { node { id name schema listed } } } }\n',
      defaultHeaders: JSON.stringify({ Authorization: `Bearer ${key ?? "<API key>"}` }, null, 2),
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }),
  );
}
