// Screening an applicant: the form fields are ScreenInput's; the answer shows the
// decision, every match with the model's explanation, and network exposure.
import { gql } from "./api";
import type { Ctx } from "./context";
import { errorBox, fmtNum, fmtProb, h, replace } from "./dom";
import { comparisonsTable } from "./profile";
import { type GraphEdge, type GraphNode, SCREEN, type ScreenResult } from "./queries";

type Field = [name: string, label: string, hint?: string];
const MAIN_FIELDS: Field[] = [
  ["name", "Name"],
  ["names", "Other names", "separate with ;"],
  ["birthDate", "Birth / incorporation date", "YYYY, YYYY-MM or YYYY-MM-DD"],
  ["country", "Country", "e.g. KP or North Korea"],
];
const MORE_FIELDS: Field[] = [
  ["identifiers", "Identifiers", "passport, registration, IMO…; separate with ;"],
  ["address", "Address"],
  ["email", "E-mail"],
  ["phone", "Phone"],
  ["ipAddress", "IP address"],
  ["domain", "Domain or website"],
  ["wallet", "Crypto wallet"],
  ["paymentFingerprint", "Payment instrument fingerprint"],
];
const SCHEMAS = ["Person", "Organization", "Company", "LegalEntity", "Vessel", "Aircraft", "CustomerAccount"];

function field([name, label, hint]: Field): HTMLElement[] {
  return [
    h("label", { for: `screen-${name}` }, label, hint ? h("span", { class: "field-hint" }, ` (${hint})`) : null),
    h("input", { id: `screen-${name}`, name, autocomplete: "off" }),
  ];
}

export class ScreenPanel {
  private readonly out = h("div", { class: "screen-results", "aria-live": "polite" });

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    const form = h(
      "form",
      { class: "screen-form", id: "screen-form", "aria-labelledby": "screen-title" },
      h("label", { for: "screen-schema" }, "Applicant type"),
      h(
        "select",
        { id: "screen-schema", name: "schema" },
        SCHEMAS.map((s) => h("option", { value: s }, s)),
      ),
      MAIN_FIELDS.flatMap(field),
      h(
        "details",
        { class: "more-fields" },
        h("summary", {}, "Identifiers, contacts and infrastructure"),
        h("div", { class: "field-grid" }, MORE_FIELDS.flatMap(field)),
      ),
      h("button", { type: "submit" }, "Screen"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.screen(new FormData(form));
    });
    replace(
      root,
      h("h2", { id: "screen-title", tabindex: -1 }, "Screen an applicant"),
      h("p", { class: "hint" }, "Give a name, or at least one identifier or contact value."),
      form,
      this.out,
    );
  }

  private async screen(data: FormData): Promise<void> {
    const input: Record<string, unknown> = {};
    for (const [key, raw] of data.entries()) {
      const value = String(raw).trim();
      if (!value) continue;
      input[key] =
        key === "names" || key === "identifiers"
          ? value
              .split(";")
              .map((v) => v.trim())
              .filter(Boolean)
          : value;
    }
    replace(this.out, h("p", { class: "loading" }, "Screening…"));
    try {
      const { screen } = await gql<{ screen: ScreenResult }>(SCREEN, { input });
      replace(this.out, this.render(screen, String(input.name ?? "applicant")));
      const decision = this.out.querySelector<HTMLElement>(".decision");
      decision?.focus();
      decision?.scrollIntoView({ block: "start" });
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }

  private render(result: ScreenResult, applicant: string): HTMLElement {
    const words = { HIT: "a listed party", REVIEW: "needs a look", CLEAR: "no listed party found" };
    return h(
      "div",
      {},
      h(
        "p",
        { class: `decision ${result.decision.toLowerCase()}`, tabindex: -1, id: "screen-decision" },
        h("strong", {}, result.decision),
        ` — ${words[result.decision]}; exposure score ${fmtNum(result.exposureScore)}`,
      ),
      h("h3", {}, `Matches (${result.matches.length})`),
      result.matches.length ? null : h("p", { class: "hint" }, "No candidate matched."),
      result.matches.map((m) =>
        h(
          "details",
          { class: "match", open: m === result.matches[0] },
          h(
            "summary",
            {},
            h("span", { class: "score" }, fmtProb(m.probability)),
            " ",
            m.name,
            m.listed ? h("span", { class: "badge listed" }, "LISTED") : null,
            h(
              "span",
              { class: "result-detail" },
              ` ${m.schema} · via ${m.via.join(", ")}${m.judged ? ` · judged ${m.judged}` : ""}`,
            ),
          ),
          h(
            "p",
            { class: "small" },
            `Match weight ${fmtNum(m.matchWeight)}; records ${m.records.map((r) => `${r.source}:${r.sourceKey}`).join(", ")}. `,
            h(
              "button",
              { type: "button", class: "link", onclick: () => this.ctx.openEntity(m.entityId) },
              "Open profile",
            ),
          ),
          comparisonsTable(m.explanation, `Why ${m.name} matched`),
        ),
      ),
      h("h3", {}, `Exposure through shared values (${result.exposure.length})`),
      result.exposure.length
        ? h(
            "ol",
            { class: "paths" },
            result.exposure.map((x) =>
              h(
                "li",
                {},
                h("span", { class: "score" }, fmtNum(x.score)),
                ` shares ${x.kind} ${x.value} with ${x.entity.name}${x.entity.listed ? " [LISTED]" : ""}`,
                x.path ? `; ${x.path.explanation.join("; ")}` : "",
                " ",
                h(
                  "button",
                  { type: "button", class: "link", onclick: () => this.showExposure(applicant, x) },
                  "Show on network",
                ),
              ),
            ),
          )
        : h("p", { class: "hint" }, "The applicant shares no value with anyone in the graph."),
    );
  }

  private showExposure(applicant: string, hit: ScreenResult["exposure"][number]): void {
    const me: GraphNode = {
      id: `Applicant:${applicant}`,
      label: "Applicant",
      name: `${applicant} (applicant)`,
      entityId: null,
      key: null,
      schema: null,
      listed: false,
      degree: null,
      specificity: null,
      superNode: false,
    };
    const link: GraphEdge = {
      source: me.id,
      target: hit.entity.id,
      type: `SHARES_${hit.kind.toUpperCase()}`,
      confidence: hit.score,
      share: null,
      role: hit.value,
      records: [],
    };
    this.ctx.view.reset(me.id);
    this.ctx.showPaths(hit.path ? [hit.path] : [], "exposure", { nodes: [me, hit.entity], edges: [link] });
  }
}
