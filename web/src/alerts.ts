// Ongoing screening's worklist: customers a list change moved (alerts), newest first. Opening an
// alert opens the customer's profile and draws the path from the customer to the listed party; an
// analyst takes an open alert under review, or closes it with a note saying why (its history keeps both);
// a key that may not (`me.may` without updateAlert) sees the list without those buttons.
import { gql, may } from "./api";
import type { Ctx } from "./context";
import { errorBox, h, replace } from "./dom";
import { ALERTS, type Alert, UPDATE_ALERT } from "./queries";

const STATUSES = ["OPEN", "UNDER_REVIEW", "CLOSED"];
const PAGE = 100;
const READ_ONLY = "Taking alerts under review and closing them needs an analyst key.";

interface AlertPage {
  alerts: { edges: { node: Alert }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

function statusText(status: string): string {
  return status.replace("_", " ").toLowerCase();
}

export class AlertsPanel {
  private readonly out = h("div", { class: "worklist", "aria-live": "polite" });
  private readonly status = h(
    "select",
    { id: "alert-status", onchange: () => void this.load() },
    STATUSES.map((s) => h("option", { value: s }, statusText(s))),
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
      const data = await this.page(null);
      const alerts = data.alerts.edges.map((e) => e.node);
      if (!alerts.length) {
        replace(this.out, h("p", { class: "hint" }, "No alert with this status."));
        return;
      }
      const list = h(
        "ol",
        { class: "alert-list", id: "alert-list" },
        alerts.map((a) => this.item(a)),
      );
      replace(
        this.out,
        may("updateAlert") ? null : h("p", { class: "hint", id: "alerts-read-only" }, READ_ONLY),
        list,
        data.alerts.pageInfo.hasNextPage ? this.moreButton(list, data) : null,
      );
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }

  private page(after: string | null): Promise<AlertPage> {
    return gql<AlertPage>(ALERTS, { status: this.status.value, first: PAGE, after });
  }

  private moreButton(list: HTMLElement, first: AlertPage): HTMLElement {
    let cursor = first.alerts.pageInfo.endCursor;
    const button = h("button", { type: "button", id: "alerts-more" }, "More alerts") as HTMLButtonElement;
    button.onclick = async () => {
      button.disabled = true;
      try {
        const data = await this.page(cursor);
        for (const edge of data.alerts.edges) list.append(this.item(edge.node));
        cursor = data.alerts.pageInfo.endCursor;
        if (data.alerts.pageInfo.hasNextPage) button.disabled = false;
        else button.remove();
      } catch (error) {
        button.replaceWith(errorBox(error));
      }
    };
    return button;
  }

  private item(alert: Alert): HTMLElement {
    const change = alert.listChange;
    return h(
      "li",
      { "data-alert": alert.id, class: `alert decision-${alert.decision.toLowerCase()}` },
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
      alert.status === "CLOSED" || !may("updateAlert") ? null : this.actions(alert),
      alert.history.length ? this.history(alert) : null,
    );
  }

  /** Under review (from open), or closed with a note; the item leaves the list once moved. */
  private actions(alert: Alert): HTMLElement {
    const message = h("div", { class: "alert-message", role: "status" });
    const note = h("input", {
      type: "text",
      class: "alert-note",
      placeholder: "Why it is closed",
      "aria-label": `Closing note for ${alert.customer.name}`,
    }) as HTMLInputElement;
    const move = async (status: string): Promise<void> => {
      const text = note.value.trim();
      if (status === "CLOSED" && !text) {
        replace(message, "Closing an alert needs a note saying why.");
        note.focus();
        return;
      }
      try {
        await gql(UPDATE_ALERT, { id: alert.id, status, note: text || null });
        this.ctx.status(`Alert for ${alert.customer.name} moved to ${statusText(status)}.`);
        message.closest("li")?.remove();
      } catch (error) {
        replace(message, errorBox(error));
      }
    };
    return h(
      "div",
      { class: "alert-actions" },
      alert.status === "OPEN"
        ? h("button", { type: "button", class: "alert-review", onclick: () => void move("UNDER_REVIEW") }, "Review")
        : null,
      note,
      h("button", { type: "button", class: "alert-close", onclick: () => void move("CLOSED") }, "Close"),
      message,
    );
  }

  private history(alert: Alert): HTMLElement {
    return h(
      "details",
      { class: "alert-history" },
      h("summary", {}, `History (${alert.history.length})`),
      h(
        "ul",
        {},
        alert.history.map((e) =>
          h("li", {}, `${e.at}: ${statusText(e.status)} by ${e.by}${e.note ? ` — ${e.note}` : ""}`),
        ),
      ),
    );
  }

  /** The customer's profile, with the path to the listed party drawn and highlighted. */
  async open(alert: Alert): Promise<void> {
    await this.ctx.openEntity(alert.customer.id);
    if (alert.path) this.ctx.showPaths([alert.path], "exposure");
    this.ctx.status(`Alert: ${alert.customer.name} ${alert.previousDecision} → ${alert.decision}. ${alert.reason}`);
  }
}
