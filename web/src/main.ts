// The investigator page: login, search, the network panel and its inspector; the
// profile, paths and screening panels live in their own modules.
import { ApiError, apiKey, type Caller, caller, gql, setApiKey, setCaller } from "./api";
import type { Ctx, Tab } from "./context";
import { $, csv, download, errorBox, fmtNum, h, identifierKind, replace, stamp } from "./dom";
import { edgeId, type Highlight, kindOf, NetworkView, NODE_TYPES } from "./graph";
import { AlertsPanel } from "./alerts";
import { NetworksPanel } from "./networks";
import { PathsPanel } from "./paths";
import { renderProfile } from "./profile";
import {
  ENTITY,
  type Entity,
  type GraphEdge,
  type GraphNode,
  NETWORK,
  type Path,
  ME,
  RELATIONSHIP_TYPES,
  SEARCH,
  type SearchHit,
} from "./queries";
import { ScreenPanel } from "./screen";
import "./style.css";

const view = new NetworkView($("#cy"));
const statusLine = $("#status");
let currentEntity: Entity | null = null;

const ctx: Ctx = {
  view,
  openEntity,
  showPaths,
  chosenTypes,
  setPathEnd: (which, id, name) => paths.setEnd(which, id, name),
  selectTab,
  status,
};
const paths = new PathsPanel($("#panel-paths"), ctx);
new ScreenPanel($("#panel-screen"), ctx);
const networks = new NetworksPanel($("#panel-networks"), ctx);
const alertsPanel = new AlertsPanel($("#panel-alerts"), ctx);

function status(message: string): void {
  statusLine.textContent = message;
}

// --- login -------------------------------------------------------------------------

function renderLogin(): void {
  const box = $("#login");
  if (apiKey()) {
    const who = caller();
    replace(
      box,
      h("span", { class: "signed-in" }, who ? `Signed in as ${who.name} (${who.role})` : "Signed in"),
      h("button", { type: "button", id: "sign-out", onclick: () => signOut() }, "Sign out"),
    );
    return;
  }
  const input = h("input", {
    id: "api-key",
    type: "password",
    autocomplete: "off",
    required: true,
    placeholder: "sgk_…",
    "aria-describedby": "login-message",
  });
  const message = h("span", { id: "login-message", class: "login-message", role: "alert" });
  const form = h(
    "form",
    { class: "login-form", "aria-label": "Sign in" },
    h("label", { for: "api-key" }, "API key"),
    input,
    h("button", { type: "submit" }, "Sign in"),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    message.textContent = "checking…";
    try {
      const data = await gql<{ me: Caller }>(ME, {}, key);
      setApiKey(key);
      setCaller(data.me);
      renderLogin();
      status("Signed in.");
      void loadRelationshipTypes();
      $("#search-input").focus();
    } catch (error) {
      message.textContent =
        error instanceof ApiError && error.code === "UNAUTHENTICATED" ? "Unknown key." : String(error);
    }
  });
  replace(box, form);
}

function signOut(): void {
  setApiKey(null);
  renderLogin();
  status("Signed out; the key is forgotten.");
}

document.addEventListener("sg:unauthenticated", () => {
  setApiKey(null);
  renderLogin();
  status("The API did not accept the key: sign in again.");
});

// --- tabs --------------------------------------------------------------------------

const TABS: Tab[] = ["entity", "paths", "screen", "networks", "alerts"];

function selectTab(tab: Tab, focus = false): void {
  for (const name of TABS) {
    const button = $(`#tab-${name}`);
    const selected = name === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`#panel-${name}`).hidden = !selected;
  }
  if (tab === "networks") networks.show();
  if (tab === "alerts") alertsPanel.show();
  if (focus) $(`#tab-${tab}`).focus();
}

for (const name of TABS) {
  const button = $(`#tab-${name}`);
  button.addEventListener("click", () => selectTab(name));
  button.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step) selectTab(TABS[(TABS.indexOf(name) + step + TABS.length) % TABS.length], true);
  });
}

// --- search ------------------------------------------------------------------------

const results = $("#results");

$("#search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = $<HTMLInputElement>("#search-input").value.trim();
  if (!query) return;
  selectTab("entity");
  replace(results, h("p", { class: "loading" }, `Searching “${query}”…`));
  try {
    // One request: the API matches names and aliases, and on the first page also exact
    // identifier and contact values (passport, registration, e-mail, phone, IP, domain, wallet).
    const { search } = await gql<{ search: { edges: { node: SearchHit }[] } }>(SEARCH, { query, first: 15 });
    showResults(
      query,
      search.edges.map((e) => e.node),
    );
  } catch (error) {
    replace(results, errorBox(error));
  }
});

/** Letters and digits only, for telling which identifier a search text named (display only). */
const compact = (text: string) => text.replace(/[^\p{L}\p{N}]/gu, "").toUpperCase();

function showResults(query: string, hits: SearchHit[]): void {
  const wanted = compact(query);
  const items = hits.map((hit) => {
    const matched = wanted ? hit.identifiers.find((i) => compact(i.value) === wanted) : undefined;
    const detail = [
      hit.schema,
      matched ? `${identifierKind(matched.kind)} ${matched.value}` : "",
      hit.countries.join(", "),
      hit.aliases.length ? `aka ${hit.aliases.slice(0, 2).join("; ")}` : "",
    ];
    return resultItem(hit.id, hit.name, detail.filter(Boolean).join(" · "), hit.listed);
  });
  const list = h("ul", { class: "results", "aria-labelledby": "results-title" }, items);
  const title = items.length
    ? `${items.length} result${items.length === 1 ? "" : "s"} for “${query}”`
    : `Nothing found for “${query}”`;
  const summary = h("summary", { id: "results-title" }, title);
  replace(results, h("details", { class: "results-box", open: true }, summary, list));
  status(title);
  // Keyboard users land on the results: the next Tab reaches the first one.
  summary.focus();
}

function resultItem(id: string, name: string, detail: string, listed: boolean): HTMLElement {
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: "result", "data-entity": id, onclick: () => openEntity(id) },
      h("span", { class: "result-name" }, name),
      listed ? h("span", { class: "badge listed" }, "LISTED") : null,
      h("span", { class: "result-detail" }, detail),
    ),
  );
}

// --- the entity: profile and network -------------------------------------------------

async function openEntity(id: string): Promise<void> {
  selectTab("entity");
  const profile = $("#profile");
  replace(profile, h("p", { class: "loading" }, "Loading the entity…"));
  results.querySelector("details")?.removeAttribute("open");
  try {
    const { entity } = await gql<{ entity: Entity | null }>(ENTITY, { id });
    if (!entity) {
      replace(profile, errorBox(`No entity ${id}.`));
      return;
    }
    currentEntity = entity;
    history.replaceState(null, "", `#entity=${encodeURIComponent(entity.id)}`);
    replace(profile, renderProfile(entity, ctx));
    document.querySelector<HTMLElement>("#profile h2")?.focus();
    paths.setEnd("from", entity.id, entity.name);
    await loadNetwork(entity.id);
  } catch (error) {
    replace(profile, errorBox(error));
  }
}

interface NetworkData {
  network: { nodes: GraphNode[]; edges: GraphEdge[]; truncated: boolean };
}

async function loadNetwork(entityId: string): Promise<void> {
  const depth = Number($<HTMLSelectElement>("#depth").value);
  const focus = `Entity:${entityId}`;
  status("Loading the network…");
  const { network } = await gql<NetworkData>(NETWORK, { id: entityId, depth, first: 300 });
  view.reset(focus);
  view.merge(network.nodes, network.edges);
  view.expanded.add(focus);
  view.layout(false);
  showSelected(view.node(focus));
  const c = view.counts();
  status(
    `Network of depth ${depth}: ${c.nodes} nodes, ${c.edges} edges${network.truncated ? " (cut at 300 nodes)" : ""}.`,
  );
}

async function expand(node: GraphNode): Promise<void> {
  if (node.superNode) {
    status(`${node.name} is a super-node (${node.degree ?? "many"} users): the API does not traverse it.`);
    return;
  }
  if (view.expanded.has(node.id)) {
    status(`${node.name} is already expanded.`);
    return;
  }
  view.expanded.add(node.id);
  status(`Expanding ${node.name}…`);
  try {
    const { network } = await gql<NetworkData>(NETWORK, { id: node.id, depth: 1, first: 100 });
    const added = view.merge(network.nodes, network.edges, node.id);
    if (added) view.layout(true);
    status(
      `Expanded ${node.name}: ${added} new node${added === 1 ? "" : "s"}${network.truncated ? " (cut at 100)" : ""}.`,
    );
    showSelected(node);
  } catch (error) {
    view.expanded.delete(node.id);
    status(`Could not expand ${node.name}: ${error instanceof Error ? error.message : error}`);
  }
}

view.onTap = (node) => {
  showSelected(node);
  if (!node) return;
  if (view.foldedUnder(node.id) > 0) view.toggleFold(node.id);
  else void expand(node);
};

function showSelected(node: GraphNode | null): void {
  const box = $("#selected");
  if (!node) {
    replace(
      box,
      h("h3", {}, "Selected"),
      h("p", { class: "hint" }, "Click a node (or pick one from the node list) to expand it."),
    );
    return;
  }
  view.select(node.id);
  const folded = view.foldedUnder(node.id);
  const entityId = node.entityId;
  replace(
    box,
    h("h3", {}, "Selected"),
    h("p", { class: "selected-name" }, node.name, node.listed ? h("span", { class: "badge listed" }, "LISTED") : null),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Type"),
      h("dd", {}, kindOf(node)),
      node.degree != null ? [h("dt", {}, "Used by"), h("dd", {}, `${node.degree} entities`)] : null,
      node.specificity != null ? [h("dt", {}, "Specificity"), h("dd", {}, fmtNum(node.specificity))] : null,
      node.superNode ? [h("dt", {}, "Super-node"), h("dd", {}, "yes: never traversed")] : null,
    ),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { type: "button", onclick: () => expand(node), disabled: node.superNode || view.expanded.has(node.id) },
        view.expanded.has(node.id) ? "Expanded" : "Expand",
      ),
      folded || view.unfolded.has(node.id)
        ? h(
            "button",
            { type: "button", onclick: () => (view.toggleFold(node.id), showSelected(node)) },
            folded ? `Unfold ${folded}` : "Fold",
          )
        : null,
      entityId ? h("button", { type: "button", onclick: () => openEntity(entityId) }, "Open profile") : null,
      entityId
        ? h("button", { type: "button", onclick: () => paths.setEnd("from", entityId, node.name, true) }, "Path from")
        : null,
      entityId
        ? h("button", { type: "button", onclick: () => paths.setEnd("to", entityId, node.name, true) }, "Path to")
        : null,
    ),
  );
}

function showPaths(found: Path[], kind: Highlight, extra?: { nodes: GraphNode[]; edges: GraphEdge[] }): void {
  const nodes = [...(extra?.nodes ?? []), ...found.flatMap((p) => p.nodes)];
  const edges = found.flatMap((p) => p.edges);
  if (view.empty) view.reset(nodes[0]?.id ?? null);
  const before = view.counts().nodes;
  view.merge(nodes, edges, view.focus ?? undefined);
  if (extra?.edges.length) view.merge([], extra.edges, undefined, true);
  view.highlight(
    kind,
    nodes.map((n) => n.id),
    [...edges, ...(extra?.edges ?? [])].map(edgeId),
  );
  if (view.counts().nodes !== before) view.layout(true);
  else view.fit();
  const what = { exposure: "Exposure paths", ownership: "Ownership chains", path: "Paths", front: "Front candidates" }[
    kind
  ];
  status(`${what} highlighted on the network (${nodes.length} nodes); “Clear highlights” removes them.`);
}

// --- inspector: filters, node list, legend --------------------------------------------

/** The relationship types the API's network and paths accept (`relationshipTypes`), in its order. */
let apiTypes: string[] = [];
/** Whether the filter's "other types" list is open (kept across redraws). */
let otherTypesOpen = false;

async function loadRelationshipTypes(): Promise<void> {
  try {
    const { relationshipTypes } = await gql<{ relationshipTypes: string[] }>(RELATIONSHIP_TYPES);
    apiTypes = relationshipTypes;
  } catch (error) {
    // Without the list the filter offers the types in view; paths then use those. A screening
    // key may not ask (it may only screen), which needs no message.
    if (!(error instanceof ApiError && error.code === "FORBIDDEN"))
      status(`Could not load the relationship types: ${error instanceof Error ? error.message : error}`);
  }
  renderTypeFilters();
}

function chosenTypes(): string[] | null {
  const hidden = view.filters.hiddenTypes;
  if (hidden.size === 0) return null;
  const known = apiTypes.length ? apiTypes : [...view.typeCounts().keys()];
  return known.filter((t) => !hidden.has(t));
}

function renderTypeFilters(): void {
  const box = $("#type-filters");
  const counts = view.typeCounts();
  const hidden = view.filters.hiddenTypes;
  // Types in view or unticked come first (with their edge counts); the API's other types
  // fold into a list of their own, so they can be left out of paths before they appear.
  const main = [...new Set([...counts.keys(), ...hidden])].sort();
  const others = apiTypes.filter((t) => !counts.has(t) && !hidden.has(t));
  const shown = `${main.join("|")}/${[...hidden].join("|")}/${others.join("|")}`;
  if (box.dataset.shown === shown) {
    for (const [type, count] of counts) {
      const label = box.querySelector(`[data-type="${type}"] .count`);
      if (label) label.textContent = String(count);
    }
    return;
  }
  box.dataset.shown = shown;
  const row = (type: string) => {
    const input = h("input", { type: "checkbox", value: type, checked: !hidden.has(type) });
    input.addEventListener("change", () => {
      if (input.checked) view.filters.hiddenTypes.delete(type);
      else view.filters.hiddenTypes.add(type);
      view.applyFilters();
    });
    const count = h("span", { class: "count" }, counts.get(type) ?? 0);
    return h("label", { class: "row", "data-type": type }, input, h("span", {}, `${type} (`, count, ")"));
  };
  const more = others.length
    ? h(
        "details",
        { class: "other-types", open: otherTypesOpen },
        h(
          "summary",
          {},
          `${others.length} ${main.length ? "more " : ""}type${others.length === 1 ? "" : "s"}, none in view`,
        ),
        others.map(row),
      )
    : null;
  more?.addEventListener("toggle", () => (otherTypesOpen = (more as HTMLDetailsElement).open));
  replace(
    box,
    h("span", { class: "filter-title", id: "types-title" }, "Relationship types"),
    h(
      "div",
      { role: "group", "aria-labelledby": "types-title" },
      main.length === 0 && !others.length ? h("span", { class: "hint" }, "none yet") : null,
      main.map(row),
      more,
    ),
  );
}

const minConfidence = $<HTMLInputElement>("#min-confidence");
minConfidence.addEventListener("input", () => {
  view.filters.minConfidence = Number(minConfidence.value);
  $("#min-confidence-value").textContent = Number(minConfidence.value).toFixed(2);
  view.applyFilters();
});
$<HTMLInputElement>("#collapse").addEventListener("change", (event) => {
  view.filters.collapse = (event.target as HTMLInputElement).checked;
  view.applyFilters();
  view.layout(true);
});
$<HTMLInputElement>("#edge-labels").addEventListener("change", (event) => {
  view.filters.edgeLabels = (event.target as HTMLInputElement).checked;
  view.applyFilters();
});

const nodeList = $<HTMLDetailsElement>("#node-list");
function renderNodeList(): void {
  const { nodes } = view.visible();
  nodeList.querySelector("summary")!.textContent = `Nodes in view (${nodes.length})`;
  if (!nodeList.open) return;
  nodes.sort((a, b) => Number(b.listed) - Number(a.listed) || a.name.localeCompare(b.name));
  replace(
    nodeList.querySelector("ul")!,
    nodes.map((node) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "node-item", onclick: () => view.onTap(node) },
          node.name,
          h("span", { class: "result-detail" }, ` ${kindOf(node)}`),
          node.listed ? h("span", { class: "badge listed" }, "LISTED") : null,
        ),
      ),
    ),
  );
}
nodeList.addEventListener("toggle", renderNodeList);

function renderLegend(): void {
  const kinds = new Set<string>();
  let listed = false;
  view.cy.nodes().forEach((n) => {
    kinds.add(n.data("kind") as string);
    listed ||= n.hasClass("listed");
  });
  const items = [...kinds].sort().map((kind) => {
    const look = NODE_TYPES[kind] ?? NODE_TYPES.Entity;
    return h("li", {}, h("span", { class: `swatch shape-${look.shape}`, style: `background:${look.color}` }), kind);
  });
  if (listed)
    items.unshift(h("li", { class: "legend-listed" }, h("span", { class: "swatch listed-swatch" }), "listed party"));
  replace($("#legend"), items.length ? h("ul", {}, items) : null);
}

let pending = 0;
view.onChange = () => {
  // Filters and merges come in bursts; redraw the side widgets once per frame.
  if (pending) return;
  pending = requestAnimationFrame(() => {
    pending = 0;
    renderTypeFilters();
    renderNodeList();
    renderLegend();
    $("#graph-empty").hidden = !view.empty;
    const c = view.counts();
    if (!view.empty) {
      $("#cy").setAttribute(
        "aria-label",
        `Network picture: ${c.nodes} nodes and ${c.edges} edges shown. The node list in the inspector offers the same nodes by keyboard.`,
      );
    }
  });
};

// --- toolbar -------------------------------------------------------------------------

$("#depth").addEventListener("change", () => {
  if (currentEntity) void loadNetwork(currentEntity.id).catch((e) => status(String(e)));
});
$("#relayout").addEventListener("click", () => view.layout(false));
$("#fit").addEventListener("click", () => view.fit());
$("#clear-highlights").addEventListener("click", () => {
  view.clearHighlight();
  for (const button of document.querySelectorAll("[data-highlight][aria-pressed=true]"))
    button.setAttribute("aria-pressed", "false");
  status("Highlights cleared.");
});

function exportName(ext: string): string {
  const focus = view.focus?.replace(/^Entity:/, "") ?? "graph";
  return `sanctiongraph-${focus.replace(/[^\w.-]+/g, "_")}-${stamp()}.${ext}`;
}

function requireGraph(): boolean {
  if (view.empty) status("Nothing to export yet: open an entity first.");
  return !view.empty;
}

$("#export-png").addEventListener("click", () => {
  if (!requireGraph()) return;
  download(exportName("png"), view.png());
  status("Exported the picture as PNG.");
});
$("#export-json").addEventListener("click", () => {
  if (!requireGraph()) return;
  const { nodes, edges } = view.visible();
  const filters = view.filters;
  const data = {
    exportedAt: new Date().toISOString(),
    focus: view.focus,
    filters: {
      hiddenTypes: [...filters.hiddenTypes],
      minConfidence: filters.minConfidence,
      collapse: filters.collapse,
    },
    nodes,
    edges,
  };
  download(exportName("json"), new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  status(`Exported ${nodes.length} nodes and ${edges.length} edges as JSON.`);
});
$("#export-nodes").addEventListener("click", () => {
  if (!requireGraph()) return;
  const { nodes } = view.visible();
  const rows = [["id", "type", "name", "listed", "entity_id", "value_key", "degree", "specificity", "super_node"]];
  for (const n of nodes)
    rows.push([
      n.id,
      kindOf(n),
      n.name,
      String(n.listed),
      n.entityId ?? "",
      n.key ?? "",
      String(n.degree ?? ""),
      String(n.specificity ?? ""),
      String(n.superNode),
    ]);
  download(exportName("nodes.csv"), new Blob([csv(rows)], { type: "text/csv" }));
  status(`Exported ${nodes.length} nodes as CSV.`);
});
$("#export-edges").addEventListener("click", () => {
  if (!requireGraph()) return;
  const { nodes, edges } = view.visible();
  const names = new Map(nodes.map((n) => [n.id, n.name]));
  const rows = [["source", "source_name", "type", "target", "target_name", "confidence", "share", "role", "records"]];
  for (const e of edges) {
    rows.push([
      e.source,
      names.get(e.source) ?? "",
      e.type,
      e.target,
      names.get(e.target) ?? "",
      String(e.confidence),
      String(e.share ?? ""),
      e.role ?? "",
      e.records.join(" "),
    ]);
  }
  download(exportName("edges.csv"), new Blob([csv(rows)], { type: "text/csv" }));
  status(`Exported ${edges.length} edges as CSV.`);
});

// The view, for the end-to-end tests (they click nodes at their rendered positions).
(window as unknown as { sanctiongraph: unknown }).sanctiongraph = { view };

// --- start ---------------------------------------------------------------------------

renderLogin();
showSelected(null);
view.onChange();
if (apiKey()) void loadRelationshipTypes();
if (apiKey()) void whoAmI();

/** A reload keeps the key (sessionStorage), not who it is: ask, then show it. */
async function whoAmI(): Promise<void> {
  try {
    setCaller((await gql<{ me: Caller }>(ME)).me);
    renderLogin();
  } catch {
    // Signed out already (sg:unauthenticated), or the server is away: the page offers everything, the API decides.
  }
}
// #entity=<id> links to an entity (the page keeps it up to date, so a reload stays put).
function followLink(): void {
  const linked = new URLSearchParams(location.hash.slice(1)).get("entity");
  if (linked && apiKey() && linked !== currentEntity?.id) void openEntity(linked);
}
window.addEventListener("hashchange", followLink);
followLink();
