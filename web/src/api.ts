// The only way the page talks to the server: POST /graphql with the API key the
// person typed into the login box (kept in sessionStorage, so it ends with the tab).

export const KEY_STORAGE = "sanctiongraph-api-key";
const ENDPOINT = new URL("graphql", location.href).href;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  if (!key) signedIn = null;
}

/** Whose key the page holds (the API's `me`): its name, role and the root fields it may use. */
export interface Caller {
  name: string;
  role: string;
  may: string[];
}

let signedIn: Caller | null = null;

export function caller(): Caller | null {
  return signedIn;
}

export function setCaller(who: Caller | null): void {
  signedIn = who;
}

/** Whether the key may use a root field; true while the page does not know yet (the API refuses then). */
export function may(field: string): boolean {
  return signedIn === null || signedIn.may.includes(field);
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Run one GraphQL operation; any error (HTTP or GraphQL) becomes an ApiError. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}, key = apiKey()): Promise<T> {
  if (!key) throw new ApiError("Sign in with an API key first.", "UNAUTHENTICATED", 401);
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The server cannot be reached.", "NETWORK", 0);
  }
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON.`, "BAD_RESPONSE", response.status);
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? "ERROR";
    if (code === "UNAUTHENTICATED") document.dispatchEvent(new CustomEvent("sg:unauthenticated"));
    throw new ApiError(error.message, code, response.status);
  }
  if (!response.ok || body.data == null) {
    throw new ApiError(`The server answered ${response.status}.`, "BAD_RESPONSE", response.status);
  }
  return body.data;
}
