// The network picture: Cytoscape.js with the fCoSE layout. It holds what the API
// returned (GraphNode / GraphEdge), styles it by type, filters and folds it on the
// client, highlights analysis results, and exports what is visible.
import cytoscape, { type Core, type EdgeSingular, type NodeSingular, type StylesheetJson } from "cytoscape";
import fcose from "cytoscape-fcose";
import type { GraphEdge, GraphNode } from "./queries";

cytoscape.use(fcose);

/** How each kind of node looks: entities by schema, infrastructure by label. */
export const NODE_TYPES: Record<string, { color: string; shape: string; infra: boolean }> = {
  Person: { color: "#4e79a7", shape: "ellipse", infra: false },
  Organization: { color: "#59a14f", shape: "round-rectangle", infra: false },
  Company: { color: "#8cd17d", shape: "round-rectangle", infra: false },
  LegalEntity: { color: "#a0cbe8", shape: "round-rectangle", infra: false },
  PublicBody: { color: "#499894", shape: "round-rectangle", infra: false },
  Vessel: { color: "#76b7b2", shape: "diamond", infra: false },
  Aircraft: { color: "#b07aa1", shape: "triangle", infra: false },
  CustomerAccount: { color: "#edc948", shape: "hexagon", infra: false },
  Entity: { color: "#bab0ac", shape: "ellipse", infra: false },
  Address: { color: "#9c755f", shape: "round-tag", infra: true },
  Email: { color: "#f28e2b", shape: "rectangle", infra: true },
  Domain: { color: "#ffbe7d", shape: "rectangle", infra: true },
  Phone: { color: "#d37295", shape: "rectangle", infra: true },
  IPAddress: { color: "#86bcb6", shape: "vee", infra: true },
  IPNetwork: { color: "#499894", shape: "vee", infra: true },
  Wallet: { color: "#8e6bbf", shape: "pentagon", infra: true },
  PaymentInstrument: { color: "#d4a6c8", shape: "pentagon", infra: true },
  Device: { color: "#79706e", shape: "octagon", infra: true },
  Identifier: { color: "#c9c2bf", shape: "barrel", infra: true },
  Applicant: { color: "#ffffff", shape: "star", infra: false },
};

export type Highlight = "exposure" | "ownership" | "path" | "front";
export const HIGHLIGHTS: Highlight[] = ["exposure", "ownership", "path", "front"];

export interface Filters {
  hiddenTypes: Set<string>;
  minConfidence: number;
  collapse: boolean;
  edgeLabels: boolean;
}

/** A node folds its leaves into a "+N" badge when it has more than this many. */
export const FOLD_AT = 8;

export function kindOf(node: GraphNode): string {
  return node.label === "Entity" ? (node.schema ?? "Entity") : node.label;
}

export function edgeId(edge: GraphEdge): string {
  return `${edge.source}|${edge.type}|${edge.target}`;
}

function shorten(text: string, max = 34): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": "data(color)",
      shape: "data(shape)" as never,
      label: "data(display)",
      width: 30,
      height: 30,
      "border-width": 1,
      "border-color": "#3c4043",
      "font-size": 10,
      "font-family": "system-ui, sans-serif",
      color: "#202124",
      "text-wrap": "wrap",
      "text-max-width": "130px",
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
      "text-background-padding": "1px",
      "min-zoomed-font-size": 6,
    },
  },
  { selector: "node.infra", style: { width: 16, height: 16, "font-size": 8, color: "#5f6368" } },
  {
    selector: "node.listed",
    style: {
      "border-width": 6,
      "border-style": "double",
      "border-color": "#b00020",
      color: "#8b0000",
      "font-weight": "bold",
      "font-size": 14,
      "min-zoomed-font-size": 4,
    },
  },
  { selector: "node.super", style: { "border-style": "dashed", "border-width": 2, "background-opacity": 0.45 } },
  { selector: "node.has-folded", style: { "border-width": 3, "border-color": "#202124" } },
  {
    selector: "node.focus",
    style: {
      width: 46,
      height: 46,
      "font-size": 12,
      "font-weight": "bold",
      "underlay-color": "#fbbc04",
      "underlay-opacity": 0.7,
      "underlay-padding": 8,
    },
  },
  {
    selector: "edge",
    style: {
      width: "mapData(confidence, 0, 1, 1, 4)",
      "line-color": "#9aa0a6",
      "target-arrow-color": "#9aa0a6",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      "curve-style": "bezier",
      label: "data(display)",
      "font-size": 8,
      "font-family": "system-ui, sans-serif",
      color: "#3c4043",
      "text-rotation": "autorotate",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "1px",
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge.relation", style: { "line-color": "#5f6368", "target-arrow-color": "#5f6368" } },
  { selector: "edge.weak", style: { "line-style": "dashed" } },
  { selector: "edge.synthetic", style: { "line-style": "dotted", "target-arrow-shape": "none" } },
  { selector: "edge.nolabel", style: { label: "" } },
  { selector: ".dim", style: { opacity: 0.22 } },
  { selector: "edge.hl-exposure", style: { "line-color": "#d93025", "target-arrow-color": "#d93025", width: 5 } },
  {
    selector: "node.hl-exposure",
    style: { "underlay-color": "#d93025", "underlay-opacity": 0.3, "underlay-padding": 7 },
  },
  { selector: "edge.hl-ownership", style: { "line-color": "#7b1fa2", "target-arrow-color": "#7b1fa2", width: 6 } },
  {
    selector: "node.hl-ownership",
    style: { "underlay-color": "#7b1fa2", "underlay-opacity": 0.3, "underlay-padding": 7 },
  },
  { selector: "edge.hl-path", style: { "line-color": "#1a73e8", "target-arrow-color": "#1a73e8", width: 5 } },
  { selector: "node.hl-path", style: { "underlay-color": "#1a73e8", "underlay-opacity": 0.3, "underlay-padding": 7 } },
  { selector: "edge.hl-front", style: { "line-color": "#e37400", "target-arrow-color": "#e37400", width: 4 } },
  {
    selector: "node.hl-front",
    style: { "underlay-color": "#f29900", "underlay-opacity": 0.45, "underlay-padding": 7 },
  },
  {
    selector: "node:selected",
    style: { "overlay-color": "#1a73e8", "overlay-opacity": 0.3, "overlay-padding": 6 },
  },
  { selector: ".filtered, .folded", style: { display: "none" } },
];

export class NetworkView {
  readonly cy: Core;
  focus: string | null = null;
  readonly expanded = new Set<string>();
  readonly unfolded = new Set<string>();
  /** True while a layout or a fit animation runs (tests wait for it before clicking nodes). */
  busy = false;
  filters: Filters = { hiddenTypes: new Set(), minConfidence: 0, collapse: true, edgeLabels: true };
  /** Called after elements, filters or highlights change. */
  onChange: () => void = () => {};
  /** Called when a node is tapped (the page expands it) or the selection is cleared. */
  onTap: (node: GraphNode | null) => void = () => {};

  constructor(container: HTMLElement) {
    this.cy = cytoscape({
      container,
      style: STYLE,
      minZoom: 0.1,
      maxZoom: 2,
      boxSelectionEnabled: false,
      textureOnViewport: true,
    });
    this.cy.on("tap", "node", (event) => this.onTap(event.target.data("node") as GraphNode));
    this.cy.on("tap", (event) => {
      if (event.target === this.cy) this.onTap(null);
    });
  }

  get empty(): boolean {
    return this.cy.nodes().empty();
  }

  /** Start over around one node. */
  reset(focus: string | null): void {
    this.cy.elements().remove();
    this.expanded.clear();
    this.unfolded.clear();
    this.focus = focus;
    this.onTap(null);
  }

  node(id: string): GraphNode | null {
    const el = this.cy.getElementById(id);
    return el.nonempty() ? (el.data("node") as GraphNode) : null;
  }

  /** Add nodes and edges not there yet (new nodes start next to `near`); returns how many nodes were new. */
  merge(nodes: GraphNode[], edges: GraphEdge[], near?: string, synthetic = false): number {
    const origin = near ? this.cy.getElementById(near) : null;
    const at = origin?.nonempty() ? origin.position() : { x: 0, y: 0 };
    let added = 0;
    this.cy.batch(() => {
      for (const node of nodes) {
        const kind = kindOf(node);
        const look = NODE_TYPES[kind] ?? NODE_TYPES.Entity;
        const existing = this.cy.getElementById(node.id);
        if (existing.nonempty()) {
          // A node first drawn without a schema takes its look from a later answer that has one.
          if (existing.data("kind") === "Entity" && kind !== "Entity") {
            existing.data({ node, kind, color: look.color, shape: look.shape });
          }
          continue;
        }
        const classes = [look.infra ? "infra" : "entity"];
        if (node.listed) classes.push("listed");
        if (node.superNode) classes.push("super");
        if (node.id === this.focus) classes.push("focus");
        this.cy.add({
          group: "nodes",
          data: { id: node.id, node, kind, color: look.color, shape: look.shape, display: "" },
          classes,
          position: { x: at.x + (Math.random() - 0.5) * 120, y: at.y + (Math.random() - 0.5) * 120 },
        });
        added += 1;
      }
      for (const edge of edges) {
        const id = edgeId(edge);
        if (this.cy.getElementById(id).nonempty()) continue;
        if (this.cy.getElementById(edge.source).empty() || this.cy.getElementById(edge.target).empty()) continue;
        const classes: string[] = [];
        if (edge.source.startsWith("Entity:") && edge.target.startsWith("Entity:")) classes.push("relation");
        if (edge.confidence < 0.5) classes.push("weak");
        if (synthetic) classes.push("synthetic");
        this.cy.add({
          group: "edges",
          data: {
            id,
            source: edge.source,
            target: edge.target,
            edge,
            confidence: edge.confidence,
            display: edgeLabel(edge),
          },
          classes,
        });
      }
    });
    this.applyFilters();
    return added;
  }

  /** Filter by type and confidence, then fold the leaves of busy nodes; updates labels. */
  applyFilters(): void {
    const { hiddenTypes, minConfidence, collapse, edgeLabels } = this.filters;
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass("filtered folded has-folded");
      cy.edges().forEach((e) => {
        const edge = e.data("edge") as GraphEdge;
        if (hiddenTypes.has(edge.type) || edge.confidence < minConfidence) e.addClass("filtered");
        e.toggleClass("nolabel", !edgeLabels);
      });
      const pinned = (n: NodeSingular) => n.id() === this.focus || HIGHLIGHTS.some((k) => n.hasClass(`hl-${k}`));
      cy.nodes().forEach((n) => {
        if (!pinned(n) && n.connectedEdges().not(".filtered").empty()) n.addClass("filtered");
      });
      cy.edges().forEach((e) => {
        if (e.source().hasClass("filtered") || e.target().hasClass("filtered")) e.addClass("filtered");
      });
      const folded = new Map<string, number>();
      if (collapse) {
        cy.nodes()
          .not(".filtered")
          .forEach((hub) => {
            if (this.unfolded.has(hub.id())) return;
            const leaves = hub
              .connectedEdges()
              .not(".filtered")
              .connectedNodes()
              .filter(
                (n) =>
                  n.id() !== hub.id() &&
                  !pinned(n) &&
                  !n.hasClass("listed") &&
                  !n.hasClass("folded") &&
                  n.connectedEdges().not(".filtered").length === 1,
              );
            if (leaves.length > FOLD_AT) {
              leaves.addClass("folded");
              leaves.connectedEdges().addClass("folded");
              hub.addClass("has-folded");
              folded.set(hub.id(), leaves.length);
            }
          });
      }
      cy.nodes().forEach((n) => {
        n.data("display", nodeLabel(n.data("node") as GraphNode, folded.get(n.id()) ?? 0));
      });
    });
    this.onChange();
  }

  /** Lay out what is visible; `incremental` keeps the current positions as the start. */
  layout(incremental: boolean): void {
    const visible = this.cy.elements().not(".filtered, .folded");
    if (visible.empty()) return;
    const count = visible.nodes().length;
    const big = count > 120;
    const layout = visible.layout({
      name: "fcose",
      quality: count > 1000 ? "draft" : "default",
      randomize: !incremental,
      animate: count < 150,
      animationDuration: 350,
      fit: false,
      // Big pictures are read zoomed out, where labels hide; leave them out of the spacing.
      nodeDimensionsIncludeLabels: !big,
      idealEdgeLength: () => (big ? 80 : 130),
      nodeRepulsion: () => (big ? 25000 : 9000),
      packComponents: true,
    } as cytoscape.LayoutOptions);
    this.busy = true;
    layout.one("layoutstop", () => this.fit());
    layout.run();
  }

  /** Show everything visible, but never zoom in past 1.25 (a small graph stays readable). */
  fit(): void {
    const eles = this.cy.elements().not(".filtered, .folded");
    if (eles.empty()) return;
    const box = eles.boundingBox();
    const padding = 40;
    const zoom = Math.min(
      1.25,
      (this.cy.width() - 2 * padding) / Math.max(box.w, 1),
      (this.cy.height() - 2 * padding) / Math.max(box.h, 1),
    );
    const pan = {
      x: this.cy.width() / 2 - zoom * (box.x1 + box.w / 2),
      y: this.cy.height() / 2 - zoom * (box.y1 + box.h / 2),
    };
    this.busy = true;
    this.cy.animate({
      zoom,
      pan,
      duration: 250,
      complete: () => {
        this.busy = false;
      },
    });
  }

  select(id: string): void {
    this.cy.$(":selected").unselect();
    const el = this.cy.getElementById(id);
    if (el.nonempty()) {
      el.select();
      if (!el.hasClass("filtered") && !el.hasClass("folded")) {
        this.cy.animate({ center: { eles: el }, duration: 200 });
      }
    }
  }

  foldedUnder(id: string): number {
    const hub = this.cy.getElementById(id);
    return hub.hasClass("has-folded") ? hub.neighborhood("node.folded").length : 0;
  }

  toggleFold(id: string): void {
    if (this.unfolded.has(id)) this.unfolded.delete(id);
    else this.unfolded.add(id);
    this.applyFilters();
    this.layout(true);
  }

  /** Mark nodes and edges as one kind of analysis result; others are dimmed while any is shown. */
  highlight(kind: Highlight, nodeIds: Iterable<string>, edgeIds: Iterable<string>): void {
    this.cy.batch(() => {
      this.cy.elements().removeClass(`hl-${kind}`);
      for (const id of [...nodeIds, ...edgeIds]) this.cy.getElementById(id).addClass(`hl-${kind}`);
    });
    this.dimOthers();
  }

  clearHighlight(kind?: Highlight): void {
    const kinds = kind ? [kind] : HIGHLIGHTS;
    this.cy.batch(() => {
      for (const k of kinds) {
        // Lines drawn only for a highlight (front candidates, screening links) go with it.
        this.cy.edges(`.synthetic.hl-${k}`).remove();
        this.cy.elements().removeClass(`hl-${k}`);
      }
    });
    this.dimOthers();
  }

  highlighted(kind: Highlight): boolean {
    return this.cy.elements(`.hl-${kind}`).nonempty();
  }

  private dimOthers(): void {
    const marked = HIGHLIGHTS.map((k) => `.hl-${k}`).join(", ");
    this.cy.batch(() => {
      const lit = this.cy.elements(marked);
      this.cy.elements().removeClass("dim");
      if (lit.nonempty()) this.cy.elements().not(lit).addClass("dim");
    });
    this.applyFilters();
  }

  /** Relationship types in the graph, with how many edges each has. */
  typeCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    this.cy.edges().forEach((e) => {
      const type = (e.data("edge") as GraphEdge).type;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    });
    return new Map([...counts].sort((a, b) => a[0].localeCompare(b[0])));
  }

  /** The subgraph on screen: not filtered out, not folded away. */
  visible(): { nodes: GraphNode[]; edges: GraphEdge[] } {
    const shown = this.cy.elements().not(".filtered, .folded");
    return {
      nodes: shown.nodes().map((n) => n.data("node") as GraphNode),
      edges: shown.edges().map((e: EdgeSingular) => e.data("edge") as GraphEdge),
    };
  }

  counts(): { nodes: number; edges: number; hiddenNodes: number; folded: number } {
    const nodes = this.cy.nodes();
    return {
      nodes: nodes.not(".filtered, .folded").length,
      edges: this.cy.edges().not(".filtered, .folded").length,
      hiddenNodes: nodes.filter(".filtered").length,
      folded: nodes.filter(".folded").length,
    };
  }

  png(): Blob {
    return this.cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2, maxWidth: 6000, maxHeight: 6000 });
  }
}

function nodeLabel(node: GraphNode, folded: number): string {
  const lines = [shorten(node.name)];
  if (node.listed) lines.push("LISTED");
  if (node.superNode) lines.push(`super-node: ${node.degree ?? "many"} users`);
  if (folded > 0) lines.push(`+${folded} folded`);
  return lines.join("\n");
}

export function edgeLabel(edge: GraphEdge): string {
  const share = edge.share != null ? ` ${Number(edge.share.toFixed(2))}%` : "";
  return `${edge.type}${share} · ${edge.confidence.toFixed(2)}`;
}
