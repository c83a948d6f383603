// Paths between two chosen entities: pick each end by search (or from the network's
// inspector), ask `paths`, list them with their explanation and draw them.
import { gql } from "./api";
import type { Ctx } from "./context";
import { errorBox, fmtNum, h, replace } from "./dom";
import { type Path, PATHS, SEARCH, type SearchHit } from "./queries";

type End = "from" | "to";

export class PathsPanel {
  private readonly chosen: Record<End, { id: string; name: string } | null> = { from: null, to: null };
  private readonly shown: Record<End, HTMLElement>;
  private readonly out = h("div", { class: "path-results", "aria-live": "polite" });
  private readonly hops = h(
    "select",
    { id: "path-hops" },
    [1, 2, 3, 4, 5, 6].map((n) => h("option", { value: n, selected: n === 4 }, String(n))),
  );

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.shown = {
      from: h("p", { class: "chosen", id: "path-from-chosen" }),
      to: h("p", { class: "chosen", id: "path-to-chosen" }),
    };
    const find = h("button", { type: "button", id: "find-paths", onclick: () => this.find() }, "Find paths");
    replace(
      root,
      h("h2", { tabindex: -1 }, "Paths between two entities"),
      h("p", { class: "hint" }, "Choose both ends by search, or with “Path from / Path to” on a node of the network."),
      this.picker("from", "From"),
      this.picker("to", "To"),
      h("div", { class: "row" }, h("label", { for: "path-hops" }, "At most "), this.hops, h("span", {}, " hops")),
      h("p", { class: "hint" }, "Paths use the relationship types ticked in the network filter."),
      find,
      this.out,
    );
    this.render();
  }

  setEnd(which: End, id: string, name: string, announce = false): void {
    this.chosen[which] = { id, name };
    this.render();
    if (announce) {
      this.ctx.selectTab("paths");
      this.ctx.status(`Path ${which}: ${name}.`);
    }
  }

  private render(): void {
    for (const which of ["from", "to"] as End[]) {
      const end = this.chosen[which];
      replace(
        this.shown[which],
        end ? [h("strong", {}, end.name), " ", h("code", {}, end.id)] : h("span", { class: "hint" }, "not chosen"),
      );
    }
  }

  private picker(which: End, title: string): HTMLElement {
    const inputId = `path-${which}-query`;
    const input = h("input", { id: inputId, type: "search", autocomplete: "off", placeholder: "name" });
    const list = h("ul", { class: "results compact" });
    const form = h(
      "form",
      { class: "picker", "aria-label": `${title} entity` },
      h("label", { for: inputId }, `${title}: `),
      this.shown[which],
      h("div", { class: "row" }, input, h("button", { type: "submit" }, "Search")),
      list,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      try {
        const { search } = await gql<{ search: { edges: { node: SearchHit }[] } }>(SEARCH, {
          query: input.value.trim(),
          first: 6,
        });
        replace(
          list,
          search.edges.length ? null : h("li", { class: "hint" }, "Nothing found."),
          search.edges.map(({ node }) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "result",
                  onclick: () => {
                    this.setEnd(which, node.id, node.name);
                    list.replaceChildren();
                    input.value = "";
                    input.focus();
                  },
                },
                h("span", { class: "result-name" }, node.name),
                node.listed ? h("span", { class: "badge listed" }, "LISTED") : null,
                h("span", { class: "result-detail" }, node.schema),
              ),
            ),
          ),
        );
      } catch (error) {
        replace(list, h("li", {}, errorBox(error)));
      }
    });
    return form;
  }

  private async find(): Promise<void> {
    const { from, to } = this.chosen;
    if (!from || !to) {
      replace(this.out, errorBox("Choose both ends first."));
      return;
    }
    replace(this.out, h("p", { class: "loading" }, "Looking for paths…"));
    try {
      const { paths } = await gql<{ paths: Path[] }>(PATHS, {
        from: from.id,
        to: to.id,
        maxHops: Number(this.hops.value),
        types: this.ctx.chosenTypes(),
      });
      if (!paths.length) {
        replace(
          this.out,
          h("p", {}, `No path of at most ${this.hops.value} hops between ${from.name} and ${to.name}.`),
        );
        this.ctx.view.clearHighlight("path");
        return;
      }
      replace(
        this.out,
        h("h3", {}, `${paths.length} path${paths.length === 1 ? "" : "s"} (drawn in blue on the network)`),
        h(
          "ol",
          { class: "paths" },
          paths.map((p) =>
            h(
              "li",
              {},
              h("span", { class: "score" }, fmtNum(p.score)),
              ` ${p.edges.length} hop${p.edges.length === 1 ? "" : "s"}: `,
              p.explanation.join("; "),
            ),
          ),
        ),
      );
      this.ctx.showPaths(paths, "path");
      this.ctx.status(`${paths.length} path(s) between ${from.name} and ${to.name}.`);
    } catch (error) {
      replace(this.out, errorBox(error));
    }
  }
}
