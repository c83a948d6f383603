// Search by identifier or contact value: the API's `search` matches names only, so
// the page also asks `network` for the value node (keyed as the loader keys it:
// graph/model.py labels, ingest/values.py cleaning) and lists the entities using it.
import { ApiError, gql } from "./api";
import { NETWORK, type GraphNode } from "./queries";

function candidates(text: string): string[] {
  const raw = text.trim();
  const lower = raw.toLowerCase();
  const found: string[] = [];
  if (/^\S+@\S+\.\S+$/.test(raw)) found.push(`Email:${lower}`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(raw) || /^[0-9a-f:]+:[0-9a-f:]*$/i.test(raw)) found.push(`IPAddress:${lower}`);
  const host = lower
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .split(/[/?:]/)[0]
    .replace(/^www\./, "");
  if (!raw.includes("@") && /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/.test(host)) found.push(`Domain:${host}`);
  if (/^\+\d[\d\s().-]{5,}$/.test(raw)) found.push(`Phone:+${raw.replace(/\D/g, "")}`);
  if (/^imo\s*\d{7}$/i.test(raw)) found.push(`Identifier:IMO${raw.replace(/\D/g, "")}`);
  if (/\d/.test(raw) && !/\s{2,}/.test(raw)) {
    const compact = raw.replace(/[\s\-./]/g, "").toUpperCase();
    if (/^[A-Z0-9]{3,}$/.test(compact)) found.push(`Identifier:${compact}`);
    if (/^[A-Za-z0-9]{25,}$/.test(raw)) found.push(`Wallet:${raw}`);
  }
  return [...new Set(found)];
}

/** The first value node the text names, with the entities that use it; null when none. */
export async function lookupValue(text: string): Promise<{ value: GraphNode; users: GraphNode[] } | null> {
  for (const id of candidates(text)) {
    try {
      const { network } = await gql<{ network: { nodes: GraphNode[] } }>(NETWORK, { id, depth: 1, first: 50 });
      const value = network.nodes.find((n) => n.id === id) ?? network.nodes[0];
      const users = network.nodes.filter((n) => n.label === "Entity");
      if (value && users.length) return { value, users };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "NOT_FOUND") throw error;
    }
  }
  return null;
}
