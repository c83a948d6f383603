// What the panels (profile, paths, screening) may ask of the page.
import type { Highlight, NetworkView } from "./graph";
import type { GraphEdge, GraphNode, Path } from "./queries";

export type Tab = "entity" | "paths" | "screen" | "networks" | "alerts";

export interface Ctx {
  view: NetworkView;
  openEntity(id: string): Promise<void>;
  /** Put paths (and any extra nodes/edges) on the picture and highlight them as `kind`. */
  showPaths(paths: Path[], kind: Highlight, extra?: { nodes: GraphNode[]; edges: GraphEdge[] }): void;
  /** Relationship types ticked in the network filter, as the API wants them (null: all). */
  chosenTypes(): string[] | null;
  setPathEnd(which: "from" | "to", id: string, name: string): void;
  selectTab(tab: Tab, focus?: boolean): void;
  status(message: string): void;
}
