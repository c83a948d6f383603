// Ongoing screening's worklist: customers a list change moved (alerts), newest first. Opening an
// alert opens the customer's profile and draws the path from the customer to the listed party.
import { gql } from "./api";
import type { Ctx } from "./context";
import { errorBox, h, replace } from "./dom";
import { ALERTS, type Alert } from "./queries";

const STATUSES = ["OPEN", "UNDER_REVIEW", "CLOSED"];

export class AlertsPanel {
  private readonly out = h("div", { class: "worklist", "aria-live": "polite" });
  private readonly status = h(
    "select",
    { id: "alert-status", onchange: () => void this.load() },
    STATUSES.map((s) => h("option", { value: s }, s.replace("_", " ").toLowerCase())),
  ) as HTMLSelectElement;
  private loaded = false;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    const refresh = h("button", { type: "button", id: "alerts-refresh", onclick: () => void this.load() }, "Refresh");
    replace(
      root,
      h("h2", { id: "alerts-title" }, "Alerts: customers a list change moved"),
      h("label", { for: "alert-status" }, "Status "),
      this.status,
      refresh,
      this.out,
    );
  }

  /** Loads the worklist the first time the tab is shown. */
  show(): void {
    if (!this.loaded) void this.load();
  }

  async load(): Promise<void> {
    this.loaded = true;
    replace(this.out, h("p", { class: "loading" }, "Loading the alerts…"));
    try {
      const data = await gql<{ alerts: { edges: { node: Alert }[] } }>(ALERTS, {
        status: this.status.value,
        first: 100,
      });
      const alerts = data.alerts.edges.map((e) => e.node);
      replace(
        this.out,
        alerts.length
          ? h(
              "ol",
              { class: "alert-list", id: "alert-list" },
              alerts.map((a) => this.item(a)),
            )
          : h("p", { class: "hint" }, "No alert with this status."),
      );
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }

  private item(alert: Alert): HTMLElement {
    const change = alert.listChange;
    return h(
      "li",
      { "data-alert": alert.id, class: `alert alert-${alert.decision.toLowerCase()}` },
      h(
        "button",
        { type: "button", class: "link", onclick: () => void this.open(alert) },
        `${alert.customer.name}: ${alert.previousDecision} → ${alert.decision}`,
      ),
      h("span", { class: "detail" }, ` ${alert.reason}`),
      h(
        "span",
        { class: "detail list-change" },
        ` — ${change.source} ${change.version} (${change.kind.toLowerCase()}), ${alert.createdAt}`,
      ),
      alert.closedReason
        ? h("span", { class: "detail closed" }, `; closed by ${alert.closedBy}: ${alert.closedReason}`)
        : null,
    );
  }

  /** The customer's profile, with the path to the listed party drawn and highlighted. */
  async open(alert: Alert): Promise<void> {
    await this.ctx.openEntity(alert.customer.id);
    if (alert.path) this.ctx.showPaths([alert.path], "exposure");
    this.ctx.status(`Alert: ${alert.customer.name} ${alert.previousDecision} → ${alert.decision}. ${alert.reason}`);
  }
}
