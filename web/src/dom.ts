// Small DOM helpers: build elements, format numbers and identifier kinds, download.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** h("button", { class: "x", onclick: fn }, "text") — attributes, "on*" listeners, children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(typeof child === "number" ? String(child) : child);
  }
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`missing ${selector}`);
  return el;
};

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h("p", { class: "error", role: "alert" }, message);
}

export function fmtProb(value: number | null | undefined): string {
  return value == null ? "–" : value >= 0.9995 ? ">0.999" : value.toFixed(3);
}

export function fmtNum(value: number | null | undefined, digits = 2): string {
  return value == null ? "–" : value.toFixed(digits);
}

export function fmtShare(value: number | null | undefined): string {
  return value == null ? "share unknown" : `${Number(value.toFixed(2))}%`;
}

const ACRONYMS = new Set(["imo", "lei", "bic", "swift", "iban", "vat", "tin", "ogrn", "inn", "duns", "mmsi", "icao"]);

/** An identifier kind of the API (passport, national_id, imo, ...) as words: "national id", "IMO". */
export function identifierKind(kind: string): string {
  return kind
    .split(/[_\s]+/)
    .map((word) => (ACRONYMS.has(word.toLowerCase()) || word.toLowerCase() === "id" ? word.toUpperCase() : word))
    .join(" ");
}

/** The language a script implies, where only one language writes it (for `lang`, so it is read right). */
const SCRIPT_LANGUAGES: Record<string, string> = {
  Hangul: "ko",
  Hiragana: "ja",
  Katakana: "ja",
  Thai: "th",
  Greek: "el",
};
export function langOf(script: string | null): string | null {
  return script ? (SCRIPT_LANGUAGES[script] ?? null) : null;
}

export function download(filename: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function csv(rows: (string | number | boolean | null | undefined)[][]): string {
  const cell = (v: string | number | boolean | null | undefined) => {
    let text = v == null ? "" : String(v);
    // A spreadsheet would run a cell starting with = + - @ as a formula; numbers and phones stay as they are.
    if (/^[=+\-@]/.test(text) && !/^[+-]?[\d\s().-]+$/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

export function stamp(): string {
  return new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
}
