// The shop's public HTTP API, as the page uses it. Every answer that is not a success becomes
// an ApiError carrying the problem document's words (RFC 9457 `detail`).

export class ApiError extends Error {
  constructor(status, detail, problem = null) {
    super(detail);
    this.status = status;
    this.problem = problem;
  }
}

// The server's own words for a refusal; a generic sentence only when it sent none.
async function errorFrom(response) {
  let problem = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  }
  const detail =
    (problem && (problem.detail || problem.title)) ||
    `The shop answered ${response.status} ${response.statusText}.`.replace(" .", ".");
  return new ApiError(response.status, detail, problem);
}

// One request. Resolves to {status, body, headers}; a non-2xx answer rejects with ApiError.
export async function call(method, url, { body, etag } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // The cart's version as last seen: a change made meanwhile (another tab) is refused with
  // 412 instead of being applied to a cart the shopper no longer sees.
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiError(0, `The shop cannot be reached (${error.message}). Try again.`);
  }
  if (!response.ok) throw await errorFrom(response);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

// The shopper's part of the API: `api/customers/me` when signed in, else the handle's.
export class ShopperApi {
  constructor(customer) {
    this.root = `/api/customers/${encodeURIComponent(customer)}`;
  }

  static products() {
    return call("GET", "/api/products");
  }

  createCart() {
    return call("POST", `${this.root}/carts`);
  }

  cart(cartId) {
    return call("GET", `${this.root}/carts/${cartId}`);
  }

  carts({ ordered = null, limit = 5, continuationToken = null } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (ordered !== null) query.set("ordered", String(ordered));
    if (continuationToken) query.set("continuationToken", continuationToken);
    return call("GET", `${this.root}/carts?${query}`);
  }

  addItem(cartId, productId, quantity, etag) {
    return call("POST", `${this.root}/carts/${cartId}/items`, {
      body: { productId, quantity },
      etag,
    });
  }

  removeItem(cartId, productId, etag) {
    return call("DELETE", `${this.root}/carts/${cartId}/items/${encodeURIComponent(productId)}`, {
      etag,
    });
  }

  submit(cartId, etag) {
    return call("POST", `${this.root}/carts/${cartId}/submit`, { etag });
  }

  order(orderId) {
    return call("GET", `${this.root}/orders/${orderId}`);
  }
}
