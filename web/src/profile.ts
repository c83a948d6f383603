// The entity profile: names (with kind and script), listings, typed identifiers,
// shared infrastructure, relations, source records with their merge evidence, analysis
// (exposure, 50% ownership, front companies) and analysts' judgements.
import { ApiError, gql, may } from "./api";
import type { Ctx } from "./context";
import { errorBox, fmtNum, fmtProb, fmtShare, h, identifierKind, langOf, replace } from "./dom";
import type { Highlight } from "./graph";
import {
  ANALYSIS,
  type Comparison,
  type Entity,
  type Exposure,
  type FrontCandidate,
  FRONTS,
  type GraphEdge,
  type GraphNode,
  type Judgement,
  JUDGEMENTS,
  MORE_INFRASTRUCTURE,
  MORE_RECORDS,
  type Ownership,
  RECORD_JUDGEMENT,
  type RecordJudgement,
  type SharedValue,
  type SourceRecord,
} from "./queries";

function section(title: string, id: string, ...body: (Node | null)[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h3", { id }, title), ...body);
}

function table(head: string[], rows: (Node | string)[][], caption?: string): HTMLElement {
  return h(
    "table",
    {},
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        head.map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((r) =>
        h(
          "tr",
          {},
          r.map((c) => h("td", {}, c)),
        ),
      ),
    ),
  );
}

export function weightBar(weight: number): HTMLElement {
  const width = Math.min(90, (Math.abs(weight) / 14) * 90);
  return h(
    "span",
    { class: "weight" },
    h("span", {
      class: `bar ${weight < 0 ? "neg" : "pos"}`,
      style: `width:${width.toFixed(0)}px`,
      "aria-hidden": "true",
    }),
    h("span", { class: "num" }, `${weight >= 0 ? "+" : ""}${weight.toFixed(2)}`),
  );
}

export function comparisonsTable(comparisons: Comparison[], caption: string): HTMLElement {
  return table(
    ["Comparison", "Level", "Weight (log₂ BF)"],
    comparisons.map((c) => [c.comparison, c.label ?? `level ${c.level}`, weightBar(c.weight)]),
    caption,
  );
}

/** Kinds of names in the order they are listed. */
const NAME_KINDS = ["primary", "alias", "acronym", "former", "weak"];

/** The entity's names, one row per spelling with every kind the API gave it. */
function nameRows(entity: Entity): { value: string; kinds: string[]; script: string | null }[] {
  const rows = new Map<string, { value: string; kinds: string[]; script: string | null }>();
  for (const name of entity.names) {
    const row = rows.get(name.value) ?? { value: name.value, kinds: [], script: name.script };
    if (!row.kinds.includes(name.kind)) row.kinds.push(name.kind);
    rows.set(name.value, row);
  }
  const rank = (kind: string) => (NAME_KINDS.includes(kind) ? NAME_KINDS.indexOf(kind) : NAME_KINDS.length);
  for (const row of rows.values()) row.kinds.sort((a, b) => rank(a) - rank(b));
  return [...rows.values()].sort(
    (a, b) =>
      Number(b.value === entity.name) - Number(a.value === entity.name) ||
      rank(a.kinds[0]) - rank(b.kinds[0]) ||
      a.value.localeCompare(b.value),
  );
}

/** Infrastructure worth listing: every value but identifiers nobody else uses (listed above them). */
function sharedItems(values: SharedValue[], ctx: Ctx): HTMLElement[] {
  return values
    .filter((v) => v.node.label !== "Identifier" || v.users.length > 0)
    .map((v) =>
      h(
        "li",
        {},
        h("span", { class: "kind" }, v.node.label),
        " ",
        v.node.name,
        v.node.superNode ? h("span", { class: "badge" }, "super-node") : null,
        usersNote(v, ctx),
      ),
    );
}

export function renderProfile(entity: Entity, ctx: Ctx): HTMLElement {
  const records = entity.records.edges.map((e) => e.node);
  const shared = h(
    "ul",
    { class: "plain", id: "infra-list" },
    sharedItems(
      entity.infrastructure.edges.map((e) => e.node),
      ctx,
    ),
  );
  const sharedBox = h(
    "div",
    {},
    shared.childElementCount || entity.infrastructure.pageInfo.hasNextPage
      ? shared
      : h("p", { class: "hint" }, "None recorded."),
    entity.infrastructure.pageInfo.hasNextPage ? moreInfrastructureButton(entity, shared, ctx) : null,
  );

  const analysis = h("div", { class: "analysis" }, h("p", { class: "loading" }, "Loading exposure and ownership…"));
  const recordList = h("div", { class: "records" }, records.map(renderRecord));

  const root = h(
    "article",
    { class: "profile", "aria-labelledby": "profile-title" },
    h(
      "header",
      { class: "profile-head" },
      h("h2", { id: "profile-title", tabindex: -1 }, entity.name),
      h(
        "p",
        { class: "badges" },
        h("span", { class: "badge schema" }, entity.schema),
        entity.listed
          ? h("span", { class: "badge listed" }, "LISTED")
          : h("span", { class: "badge clear" }, "not listed"),
      ),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "ID"),
        h("dd", {}, h("code", {}, entity.id)),
        entity.countries.length ? [h("dt", {}, "Countries"), h("dd", {}, entity.countries.join(", "))] : null,
        entity.birthDates.length
          ? [h("dt", {}, entity.schema === "Person" ? "Born" : "Dates"), h("dd", {}, entity.birthDates.join(", "))]
          : null,
        h("dt", {}, "Sources"),
        h(
          "dd",
          {},
          `${entity.sources.join(", ")} (${entity.recordCount} record${entity.recordCount === 1 ? "" : "s"})`,
        ),
      ),
    ),
    section("Analysis", "analysis-title", analysis),
    section(
      "Names and aliases",
      "names-title",
      table(
        ["Name", "Kind", "Script"],
        nameRows(entity).map((n) => [
          h("bdi", { lang: langOf(n.script) }, n.value),
          n.kinds.join(", "),
          n.script ?? "–",
        ]),
        "Names and aliases",
      ),
    ),
    section(
      "Listings",
      "listings-title",
      entity.sanctions.length
        ? table(
            ["Authority / list", "Program", "Listed on", "Reference"],
            entity.sanctions.map((s) => [
              h(
                "span",
                {},
                `${s.authority}${s.listName ? ` — ${s.listName}` : ""}`,
                s.delistedIn ? h("span", { class: "badge delisted" }, `delisted in ${s.delistedIn}`) : null,
              ),
              s.program ?? "–",
              s.listedOn ?? "–",
              s.reference ?? s.recordId,
            ]),
            "Listings",
          )
        : h("p", { class: "hint" }, "On no sanctions list."),
    ),
    section(
      "Identifiers",
      "identifiers-title",
      entity.identifiers.length
        ? table(
            ["Type", "Number", "Country"],
            entity.identifiers.map((i) => [identifierKind(i.kind), h("code", {}, i.value), i.country ?? "–"]),
            "Identifiers",
          )
        : h("p", { class: "hint" }, "None recorded."),
    ),
    section("Shared infrastructure", "infra-title", sharedBox),
    section(
      "Relations",
      "relations-title",
      entity.relations.edges.length
        ? h(
            "ul",
            { class: "plain" },
            entity.relations.edges.map(({ node: r }) =>
              h(
                "li",
                {},
                r.direction === "OUT" ? `${r.type} → ` : `← ${r.type} `,
                partyButton(r.other, ctx),
                r.share != null ? ` (${fmtShare(r.share)})` : "",
                r.role ? ` as ${r.role}` : "",
                r.startDate || r.endDate ? ` ${r.startDate ?? "?"}–${r.endDate ?? ""}` : "",
              ),
            ),
          )
        : h("p", { class: "hint" }, "No stated relations."),
    ),
    section(
      `Source records (${entity.recordCount}) and why they were merged`,
      "records-title",
      recordList,
      entity.records.pageInfo.hasNextPage ? moreRecordsButton(entity, recordList) : null,
    ),
    section("Analyst judgements", "judgements-title", renderJudgements(entity, records, ctx)),
  );
  void loadAnalysis(entity, analysis, ctx);
  return root;
}

/** " — also used by A, B and 3 more" (the API gives some of the other users; the value's degree counts all). */
function usersNote(value: SharedValue, ctx: Ctx): HTMLElement | null {
  const users = value.users;
  if (!users.length) return null;
  const shown = users.slice(0, 5);
  const others = Math.max((value.node.degree ?? users.length + 1) - 1, users.length);
  return h(
    "span",
    { class: "users" },
    " — also used by ",
    shown.flatMap((u, i) => [i ? ", " : "", partyButton({ ...u, label: "Entity" }, ctx)]),
    others > shown.length ? ` and ${others - shown.length} more` : "",
  );
}

function partyButton(node: Pick<GraphNode, "name" | "entityId" | "listed" | "label">, ctx: Ctx): HTMLElement {
  const id = node.entityId;
  const label = [node.name, node.listed ? h("span", { class: "badge listed" }, "LISTED") : null];
  return id
    ? h("button", { type: "button", class: "link", onclick: () => ctx.openEntity(id) }, ...label)
    : h("span", {}, ...label);
}

function renderRecord(record: SourceRecord): HTMLElement {
  const evidence = record.evidence;
  return h(
    "details",
    { class: "record", open: true, "data-record": record.id },
    h(
      "summary",
      {},
      h("code", {}, record.id),
      " ",
      record.name,
      record.sourceVersion ? h("span", { class: "result-detail" }, ` version ${record.sourceVersion}`) : null,
    ),
    record.names.length > 1 ? h("p", { class: "small" }, "Names: ", record.names.join("; ")) : null,
    evidence
      ? h(
          "div",
          { class: "evidence" },
          h(
            "p",
            {},
            "Merged with ",
            h("code", {}, evidence.partnerRecordId),
            `: match probability ${fmtProb(evidence.matchProbability)}, weight ${fmtNum(evidence.matchWeight)}`,
          ),
          comparisonsTable(evidence.comparisons, `Why ${record.id} was merged`),
        )
      : h("p", { class: "hint" }, "The only record of this entity (nothing to merge)."),
  );
}

function moreRecordsButton(entity: Entity, list: HTMLElement): HTMLElement {
  let after = entity.records.pageInfo.endCursor;
  const button = h("button", { type: "button" }, "More records");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const data = await gql<{ entity: Entity }>(MORE_RECORDS, { id: entity.id, after });
      for (const edge of data.entity.records.edges) list.append(renderRecord(edge.node));
      after = data.entity.records.pageInfo.endCursor;
      if (data.entity.records.pageInfo.hasNextPage) button.disabled = false;
      else button.remove();
    } catch (error) {
      button.replaceWith(errorBox(error));
    }
  });
  return button;
}

function moreInfrastructureButton(entity: Entity, list: HTMLElement, ctx: Ctx): HTMLElement {
  let after = entity.infrastructure.pageInfo.endCursor;
  const button = h("button", { type: "button" }, "More values");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const data = await gql<{ entity: Entity }>(MORE_INFRASTRUCTURE, { id: entity.id, after });
      const page = data.entity.infrastructure;
      list.append(
        ...sharedItems(
          page.edges.map((e) => e.node),
          ctx,
        ),
      );
      after = page.pageInfo.endCursor;
      if (page.pageInfo.hasNextPage) button.disabled = false;
      else button.remove();
    } catch (error) {
      button.replaceWith(errorBox(error));
    }
  });
  return button;
}

// --- analysis ------------------------------------------------------------------------

function toggleButton(label: string, kind: Highlight, show: () => void, ctx: Ctx): HTMLElement {
  const button = h("button", { type: "button", "aria-pressed": "false", "data-highlight": kind }, label);
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    for (const other of document.querySelectorAll(`[data-highlight="${kind}"]`))
      other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", String(on));
    if (on) show();
    else ctx.view.clearHighlight(kind);
  });
  return button;
}

async function loadAnalysis(entity: Entity, box: HTMLElement, ctx: Ctx): Promise<void> {
  try {
    const [{ exposure, ownership }, fronts] = await Promise.all([
      gql<{ exposure: Exposure; ownership: Ownership }>(ANALYSIS, { id: entity.id }),
      entity.listed ? gql<{ frontCompanies: FrontCandidate[] }>(FRONTS, { id: entity.id }) : Promise.resolve(null),
    ]);
    replace(
      box,
      renderExposure(exposure, ctx),
      renderOwnership(ownership, ctx),
      fronts ? renderFronts(entity, fronts.frontCompanies, ctx) : null,
    );
  } catch (error) {
    replace(box, errorBox(error));
  }
}

function renderExposure(exposure: Exposure, ctx: Ctx): HTMLElement {
  const paths = exposure.paths;
  return h(
    "div",
    { class: "sub", id: "exposure" },
    h("h4", {}, "Exposure to listed parties"),
    h(
      "p",
      {},
      `Score ${fmtNum(exposure.score)}${exposure.listed ? " (listed itself)" : ""}; `,
      `${paths.length} path${paths.length === 1 ? "" : "s"} to listed parties. `,
      paths.length
        ? toggleButton("Highlight exposure paths", "exposure", () => ctx.showPaths(paths, "exposure"), ctx)
        : null,
    ),
    paths.length
      ? h(
          "ol",
          { class: "paths" },
          paths
            .slice(0, 10)
            .map((p) => h("li", {}, h("span", { class: "score" }, fmtNum(p.score)), " ", p.explanation.join("; "))),
        )
      : null,
  );
}

function renderOwnership(ownership: Ownership, ctx: Ctx): HTMLElement {
  const chains = ownership.chains;
  const show = () => {
    const nodes = chains.flatMap((c) => c.owners);
    const edges: GraphEdge[] = chains.flatMap((c) =>
      c.owners.slice(1).map((lower, i) => ({
        source: c.owners[i].id,
        target: lower.id,
        type: "OWNS",
        confidence: 1,
        share: c.shares[i] ?? null,
        role: null,
        records: [],
      })),
    );
    // The chains' OWNS edges are usually in the network already; merge adds any that are not.
    ctx.showPaths([{ nodes, edges, score: 1, explanation: [] }], "ownership");
  };
  return h(
    "div",
    { class: "sub", id: "ownership" },
    h("h4", {}, "Ownership (50% rule)"),
    h(
      "p",
      {},
      ownership.blocked
        ? h("span", { class: "badge listed" }, "BLOCKED: listed owners hold 50% or more")
        : h("span", { class: "badge clear" }, "not blocked by ownership"),
      ` Listed owners hold ${fmtShare(ownership.listedShare)} in aggregate`,
      ownership.unknownShares ? " (some shares unknown)" : "",
      `; ${chains.length} ownership chain${chains.length === 1 ? "" : "s"}. `,
      chains.length ? toggleButton("Highlight ownership chains", "ownership", show, ctx) : null,
    ),
    chains.length
      ? h(
          "ol",
          { class: "paths" },
          chains
            .slice(0, 10)
            .map((c) =>
              h(
                "li",
                {},
                c.owners
                  .map(
                    (o, i) =>
                      `${o.name}${o.listed ? " [LISTED]" : ""}${i < c.shares.length ? ` —${fmtShare(c.shares[i])}→ ` : ""}`,
                  )
                  .join(""),
                c.effectiveShare != null ? ` (effective ${fmtShare(c.effectiveShare)})` : "",
              ),
            ),
        )
      : null,
  );
}

function renderFronts(entity: Entity, fronts: FrontCandidate[], ctx: Ctx): HTMLElement {
  const listed: GraphNode = {
    id: `Entity:${entity.id}`,
    label: "Entity",
    name: entity.name,
    entityId: entity.id,
    key: null,
    schema: entity.schema,
    listed: entity.listed,
    degree: null,
    specificity: null,
    superNode: false,
  };
  const show = () => {
    const nodes = [listed, ...fronts.map((f) => f.entity)];
    // A dotted line from the listed party to each candidate; labelled with the candidate's score.
    const edges: GraphEdge[] = fronts.map((f) => ({
      source: listed.id,
      target: f.entity.id,
      type: "FRONT_CANDIDATE",
      confidence: f.score,
      share: null,
      role: null,
      records: [],
    }));
    ctx.showPaths([], "front", { nodes, edges });
  };
  return h(
    "div",
    { class: "sub", id: "fronts" },
    h("h4", {}, "Possible front companies"),
    fronts.length
      ? h(
          "p",
          {},
          `${fronts.length} candidate${fronts.length === 1 ? "" : "s"} around this listed party. `,
          toggleButton("Highlight front candidates", "front", show, ctx),
        )
      : h("p", { class: "hint" }, "No candidates found."),
    fronts.length
      ? h(
          "ol",
          { class: "paths" },
          fronts.slice(0, 15).map((f) =>
            h(
              "li",
              {},
              h("span", { class: "score" }, fmtNum(f.score)),
              " ",
              partyButton(f.entity, ctx),
              h(
                "ul",
                { class: "indicators" },
                f.indicators.map((i) =>
                  h(
                    "li",
                    {},
                    `${i.name.replace(/_/g, " ")} (+${fmtNum(i.weight)})`,
                    i.evidence ? `: ${i.evidence}` : "",
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

// --- judgements ----------------------------------------------------------------------

/**
 * One line per judgement: the API lists a judgement between two records of this entity
 * once from each side, so a pair judged at the same moment is shown once.
 */
function distinctJudgements(found: RecordJudgement[]): RecordJudgement[] {
  const seen = new Set<string>();
  return found.filter((j) => {
    const key = `${[j.recordId, j.otherRecordId].sort().join("|")}|${j.judgement}|${j.at ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function judgementItem(j: RecordJudgement, entity: Entity, ctx: Ctx): HTMLElement {
  const otherId = j.otherEntityId;
  const other =
    otherId && otherId !== entity.id
      ? [
          " (",
          h(
            "button",
            { type: "button", class: "link", onclick: () => ctx.openEntity(otherId) },
            j.otherName ?? otherId,
          ),
          ")",
        ]
      : otherId === entity.id
        ? " (a record of this entity too)"
        : "";
  return h(
    "li",
    { "data-judgement": `${j.recordId}|${j.otherRecordId}` },
    h("code", {}, j.recordId),
    j.judgement === "same" ? " is the same party as " : " is not the same party as ",
    h("code", {}, j.otherRecordId),
    other,
    h(
      "span",
      { class: "judgement-meta" },
      ` — ${j.author ?? "unknown author"}${j.at ? `, ${j.at.slice(0, 16).replace("T", " ")}` : ""}`,
    ),
    j.note ? `: “${j.note}”` : "",
  );
}

function renderJudgements(entity: Entity, records: SourceRecord[], ctx: Ctx): HTMLElement {
  const list = h("ul", { class: "plain judgements" });
  const draw = (found: RecordJudgement[]) => {
    const items = distinctJudgements(found);
    replace(
      list,
      items.length
        ? items.map((j) => judgementItem(j, entity, ctx))
        : h("li", { class: "hint" }, "No judgements about its records yet."),
    );
  };
  draw(entity.judgements);
  const ids = records.map((r) => r.id);
  const partners = records.flatMap((r) => (r.evidence ? [r.evidence.partnerRecordId] : []));
  const recordA = h(
    "select",
    { id: "judge-a", name: "recordA", required: true },
    ids.map((id) => h("option", { value: id }, id)),
  );
  const recordB = h("input", {
    id: "judge-b",
    name: "recordB",
    required: true,
    list: "judge-b-options",
    placeholder: "source:key, e.g. us_ofac_sdn:11581",
    autocomplete: "off",
  });
  const note = h("input", { id: "judge-note", name: "note", autocomplete: "off" });
  const message = h("p", { class: "message", role: "status" });
  const form = h(
    "form",
    { class: "judge-form", "aria-labelledby": "judge-title" },
    h("h4", { id: "judge-title" }, "Record a judgement"),
    h("label", { for: "judge-a" }, "Record of this entity"),
    recordA,
    h("label", { for: "judge-b" }, "Other record"),
    recordB,
    h(
      "datalist",
      { id: "judge-b-options" },
      [...new Set([...ids, ...partners])].map((id) => h("option", { value: id })),
    ),
    h(
      "fieldset",
      { class: "inline" },
      h("legend", {}, "They are"),
      h("label", {}, h("input", { type: "radio", name: "same", value: "true", checked: true }), " the same party"),
      h("label", {}, h("input", { type: "radio", name: "same", value: "false" }), " different parties"),
    ),
    h("label", { for: "judge-note" }, "Note (optional)"),
    note,
    h("button", { type: "submit" }, "Record judgement"),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const same = (form.querySelector("input[name=same]:checked") as HTMLInputElement).value === "true";
    message.textContent = "Recording…";
    message.className = "message";
    try {
      await gql<{ recordJudgement: Judgement }>(RECORD_JUDGEMENT, {
        input: { recordA: recordA.value, recordB: recordB.value.trim(), same, note: note.value.trim() || null },
      });
    } catch (error) {
      message.className = "message error";
      message.textContent =
        error instanceof ApiError && error.code === "FORBIDDEN"
          ? "Recording judgements needs an analyst key."
          : error instanceof Error
            ? error.message
            : String(error);
      return;
    }
    // The list is the API's: ask again, so it shows what was stored (and anything others added).
    try {
      const data = await gql<{ entity: Pick<Entity, "id" | "judgements"> | null }>(JUDGEMENTS, { id: entity.id });
      draw(data.entity?.judgements ?? []);
      message.textContent = "Recorded. The next resolution honours it.";
    } catch (error) {
      message.className = "message error";
      message.textContent = `Recorded, but the list could not be reloaded: ${error instanceof Error ? error.message : error}`;
    }
  });
  return h(
    "div",
    {},
    h("p", { class: "hint" }, "Analysts’ judgements about this entity’s records, newest first:"),
    list,
    may("recordJudgement") ? form : h("p", { class: "hint" }, "Recording a judgement needs an analyst key."),
  );
}
