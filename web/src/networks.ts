// The worklist: networks (shared-infrastructure clusters) exposed to a listed party, and
// front-company candidates across the graph. Picking a cluster draws its members, the
// values they share and its path to the list.
import { gql } from "./api";
import type { Ctx } from "./context";
import { errorBox, fmtNum, h, replace } from "./dom";
import {
  CLUSTER,
  type ClusterWork,
  type FrontWork,
  type GraphEdge,
  type GraphNode,
  type InfraCluster,
  WORKLIST,
} from "./queries";

/** The relationship from an entity to a value of each label (graph/model.py INFRA). */
const VALUE_REL: Record<string, string> = {
  Email: "HAS_EMAIL",
  Domain: "HAS_DOMAIN",
  Phone: "HAS_PHONE",
  IPAddress: "HAS_IP",
  Wallet: "HAS_WALLET",
  PaymentInstrument: "HAS_PAYMENT_INSTRUMENT",
  Device: "HAS_DEVICE",
  Address: "HAS_ADDRESS",
  Identifier: "HAS_IDENTIFIER",
};

export class NetworksPanel {
  private readonly out = h("div", { class: "worklist", "aria-live": "polite" });
  private loaded = false;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    const refresh = h("button", { type: "button", id: "worklist-refresh", onclick: () => void this.load() }, "Refresh");
    replace(root, h("h2", { id: "networks-title" }, "Networks to review"), refresh, this.out);
  }

  /** Loads the worklist the first time the tab is shown. */
  show(): void {
    if (!this.loaded) void this.load();
  }

  async load(): Promise<void> {
    this.loaded = true;
    replace(this.out, h("p", { class: "loading" }, "Loading the worklist…"));
    try {
      const data = await gql<{
        clusters: { edges: { node: ClusterWork }[] };
        frontCompanies: FrontWork[];
      }>(WORKLIST, {});
      const clusters = data.clusters.edges.map((e) => e.node);
      replace(
        this.out,
        h("h3", {}, `Exposed clusters (${clusters.length})`),
        clusters.length
          ? h(
              "ol",
              { class: "cluster-list", id: "cluster-list" },
              clusters.map((c) => this.clusterItem(c)),
            )
          : h("p", { class: "hint" }, "No cluster shares a value with a listed party."),
        h("h3", {}, `Front-company candidates (${data.frontCompanies.length})`),
        h(
          "ol",
          { class: "front-list", id: "front-list" },
          data.frontCompanies.map((f) => this.frontItem(f)),
        ),
      );
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }

  private clusterItem(cluster: ClusterWork): HTMLElement {
    const path = cluster.exposure.paths[0];
    const listed = path?.nodes[path.nodes.length - 1];
    return h(
      "li",
      { "data-cluster": cluster.id },
      h(
        "button",
        { type: "button", class: "link", onclick: () => void this.open(cluster) },
        `${cluster.size} accounts → ${listed?.name ?? "?"}`,
      ),
      h("span", { class: "detail" }, ` score ${fmtNum(cluster.score)}; ${cluster.values.length} shared values`),
    );
  }

  private frontItem(front: FrontWork): HTMLElement {
    return h(
      "li",
      {},
      h(
        "button",
        { type: "button", class: "link", onclick: () => void this.ctx.openEntity(front.entity.entityId ?? "") },
        front.entity.name,
      ),
      h(
        "span",
        { class: "detail" },
        ` ${fmtNum(front.score)} → ${front.listedParty?.name ?? "?"}: ${front.indicators.map((i) => i.name).join(", ")}`,
      ),
    );
  }

  /** Fetches a worklist cluster whole (by one of its members) and draws it. */
  async open(work: ClusterWork): Promise<void> {
    const member = work.members.edges[0]?.node.id;
    if (!member) return;
    this.ctx.status(`Loading cluster ${work.id}…`);
    try {
      const data = await gql<{ entity: { cluster: InfraCluster | null } | null }>(CLUSTER, { id: member });
      const cluster = data.entity?.cluster;
      if (cluster) this.draw(cluster);
      else this.ctx.status(`Cluster ${work.id} is gone: refresh the worklist.`);
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }

  /** The cluster's members and shared values, with its path to the list highlighted. */
  draw(cluster: InfraCluster): void {
    const nodes = new Map<string, GraphNode>();
    const edges: GraphEdge[] = [];
    for (const value of cluster.values) {
      nodes.set(value.node.id, value.node);
      for (const user of value.users) {
        nodes.set(user.id, user);
        edges.push({
          source: user.id,
          target: value.node.id,
          type: VALUE_REL[value.node.label] ?? "SHARES",
          confidence: value.node.specificity ?? 0.5,
          share: null,
          role: null,
          records: [],
        });
      }
    }
    const first = cluster.exposure.paths[0]?.nodes[0]?.id ?? [...nodes.keys()][0] ?? null;
    this.ctx.view.reset(first);
    this.ctx.view.merge([...nodes.values()], edges);
    this.ctx.showPaths(cluster.exposure.paths, "exposure", { nodes: [...nodes.values()], edges });
    const why = cluster.exposure.paths[0]?.explanation.join("; ") ?? "";
    this.ctx.status(`Cluster ${cluster.id}: ${cluster.size} accounts. ${why}`);
  }
}
