// The storefront: sign-in, menu, cart, submit, the order's progress, the shopper's history.
// It uses only the public HTTP API (see the README) and shows every refusal in the API's words.

import { ApiError, ShopperApi } from "./api.js";
import { h, money, replaceContent, when } from "./dom.js";
import { retryAfterSeconds, watchOrder } from "./order-tracking.js";
import {
  SIGN_IN_URL,
  SIGN_OUT_URL,
  currentSession,
  forgetHandle,
  storeHandle,
  storedHandle,
} from "./session.js";

const HISTORY_PAGE_SIZE = 5;
const el = (id) => document.getElementById(id);

const state = {
  api: null,
  cartKey: null, // where this shopper's current cart id is remembered (shared by tabs)
  products: [],
  cart: null,
  etag: null,
  queue: Promise.resolve(),
  stopWatching: () => {},
  history: { filter: "all", carts: [], token: null },
};

// ---- messages ----------------------------------------------------------------------------

function showMessage(text, kind = "error") {
  const box = el("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
}

function clearMessage() {
  el("message").hidden = true;
  el("message").textContent = "";
}

// Runs shopper actions one after another (a quick second click waits for the first), each
// refusal shown in the API's words.
function act(action) {
  state.queue = state.queue.then(async () => {
    document.body.setAttribute("aria-busy", "true");
    clearMessage();
    try {
      await action();
    } catch (error) {
      await recover(error).catch((failure) => showMessage(failure.message));
    } finally {
      document.body.removeAttribute("aria-busy");
    }
  });
  return state.queue;
}

async function recover(error) {
  if (!(error instanceof ApiError)) {
    showMessage(`Something went wrong on this page: ${error.message}`);
    console.error(error);
    return;
  }
  showMessage(error.message);
  if (error.status === 401) {
    // The sign-in has ended: sign in again.
    await start();
    showMessage(error.message);
    return;
  }
  if (state.cart && [404, 409, 412].includes(error.status)) {
    // The cart changed elsewhere (another tab, an order): show it as it is now.
    await reloadCart();
    await loadHistory();
  }
}

// ---- session -----------------------------------------------------------------------------

async function start() {
  state.stopWatching();
  const session = await currentSession();
  const box = el("session");
  if (session.mode === "signed-in") {
    replaceContent(
      box,
      h("span", {}, "Signed in as ", h("strong", {}, session.name)),
      h("a", { href: SIGN_OUT_URL, class: "button secondary" }, "Sign out"),
    );
    await openShop("me", `me:${session.name}`);
  } else if (session.mode === "signed-out") {
    replaceContent(box, h("a", { href: SIGN_IN_URL, class: "button" }, "Sign in"));
    closeShop("Sign in to see the menu and order pierogi.");
  } else {
    replaceContent(box, handleForm(session.handle));
    if (session.handle) await openShop(session.handle, `handle:${session.handle}`);
    else closeShop("Enter your shopper handle to start.");
  }
}

function handleForm(handle) {
  const input = h("input", {
    id: "handle",
    name: "handle",
    autocomplete: "username",
    value: handle,
    required: true,
    "aria-describedby": "handle-hint",
  });
  return h(
    "form",
    {
      class: "handle-form",
      onsubmit: (event) => {
        event.preventDefault();
        act(async () => {
          const chosen = input.value.trim();
          // The API judges the handle: a refused one is shown in its words and not kept.
          await openShop(chosen, `handle:${chosen}`);
          storeHandle(chosen);
        });
      },
    },
    h("label", { for: "handle" }, "Shopper handle"),
    input,
    h("button", { type: "submit" }, "Start shopping"),
    h("span", { id: "handle-hint", class: "hint" }, "Sign-in is off here: pick a name."),
  );
}

function closeShop(text) {
  el("shop").hidden = true;
  el("welcome").hidden = false;
  el("welcome").textContent = text;
}

async function openShop(customer, sessionKey) {
  const api = new ShopperApi(customer);
  const [products, firstPage] = await Promise.all([
    ShopperApi.products(),
    api.carts({ limit: HISTORY_PAGE_SIZE }),
  ]).catch((error) => {
    if (customer !== "me") forgetHandle();
    throw error;
  });
  state.api = api;
  state.cartKey = `pierogi-shop.cart.${sessionKey}`;
  state.products = products.body;
  state.history = {
    filter: "all",
    carts: firstPage.body.carts,
    token: firstPage.body.continuationToken,
  };
  for (const radio of document.querySelectorAll('input[name="filter"]')) {
    radio.checked = radio.value === "all";
  }
  el("welcome").hidden = true;
  el("shop").hidden = false;
  renderMenu();
  renderHistory();
  await reloadCart();
}

// ---- cart --------------------------------------------------------------------------------

function rememberCart(answer) {
  state.cart = answer.body;
  state.etag = answer.headers.get("ETag");
  localStorage.setItem(state.cartKey, state.cart.id);
  renderCart();
}

function forgetCart() {
  state.cart = null;
  state.etag = null;
  localStorage.removeItem(state.cartKey);
  renderCart();
}

async function reloadCart() {
  const cartId = localStorage.getItem(state.cartKey);
  if (!cartId) return forgetCart();
  try {
    const answer = await state.api.cart(cartId);
    if (answer.body.ordered) return forgetCart(); // ordered: the next pick starts a new cart
    rememberCart(answer);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return forgetCart();
    throw error;
  }
}

async function ensureCart() {
  if (!state.cart) rememberCart(await state.api.createCart());
  return state.cart;
}

function line(productId) {
  return state.cart && state.cart.items.find((item) => item.productId === productId);
}

const addOne = (productId) =>
  act(async () => {
    const cart = await ensureCart();
    rememberCart(await state.api.addItem(cart.id, productId, 1, state.etag));
  });

const removeLine = (productId) =>
  act(async () => {
    if (!line(productId)) return;
    rememberCart(await state.api.removeItem(state.cart.id, productId, state.etag));
  });

// The API adds portions or removes a line; one fewer is both, each conditional on the cart
// the previous step returned, so a change from elsewhere in between is refused, not merged.
const lowerOne = (productId) =>
  act(async () => {
    const current = line(productId);
    if (!current) return;
    const quantity = current.quantity;
    const cartId = state.cart.id;
    rememberCart(await state.api.removeItem(cartId, productId, state.etag));
    if (quantity > 1) {
      rememberCart(await state.api.addItem(cartId, productId, quantity - 1, state.etag));
    }
  });

const submitCart = () =>
  act(async () => {
    if (!state.cart) return;
    const answer = await state.api.submit(state.cart.id, state.etag);
    forgetCart();
    const location = answer.headers.get("Location");
    trackOrder(answer.body.orderId, location, retryAfterSeconds(answer.headers, 1));
    el("order-heading").focus();
    await loadHistory();
  });

function renderMenu() {
  replaceContent(
    el("menu"),
    state.products.map((product) =>
      h(
        "li",
        { class: "product" },
        h("span", { class: "product-name" }, product.name),
        h("span", { class: "price" }, money(product.unitPrice, product.currency)),
        h(
          "button",
          {
            type: "button",
            dataset: { key: `add:${product.id}` },
            "aria-label": `Add one ${product.name}`,
            onclick: () => addOne(product.id),
          },
          "Add",
        ),
      ),
    ),
  );
}

function renderCart() {
  const cart = state.cart;
  if (!cart || cart.items.length === 0) {
    replaceContent(el("cart"), h("p", { class: "empty" }, "Your cart is empty: add pierogi from the menu."));
    return;
  }
  const rows = cart.items.map((item) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, item.name),
      h("td", { class: "number" }, money(item.unitPrice, cart.currency)),
      h(
        "td",
        { class: "quantity" },
        h(
          "button",
          {
            type: "button",
            class: "icon",
            dataset: { key: `lower:${item.productId}` },
            "aria-label": `One fewer ${item.name}`,
            onclick: () => lowerOne(item.productId),
          },
          "−",
        ),
        h("output", { "aria-label": `Quantity of ${item.name}` }, item.quantity),
        h(
          "button",
          {
            type: "button",
            class: "icon",
            dataset: { key: `raise:${item.productId}` },
            "aria-label": `One more ${item.name}`,
            onclick: () => addOne(item.productId),
          },
          "+",
        ),
      ),
      h("td", { class: "number" }, money(item.lineTotal, cart.currency)),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            dataset: { key: `remove:${item.productId}` },
            "aria-label": `Remove ${item.name}`,
            onclick: () => removeLine(item.productId),
          },
          "Remove",
        ),
      ),
    ),
  );
  replaceContent(
    el("cart"),
    h(
      "table",
      { class: "cart-table" },
      h("caption", { class: "visually-hidden" }, "Pierogi in your cart"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["Pierogi", "Price", "Quantity", "Line total"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ),
      ),
      h("tbody", {}, rows),
      h(
        "tfoot",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "row", colspan: 3 }, "Total"),
          h("td", { class: "number total", id: "cart-total" }, money(cart.total, cart.currency)),
          h("td", {}),
        ),
      ),
    ),
    h(
      "button",
      { type: "button", class: "submit", dataset: { key: "submit" }, onclick: submitCart },
      "Submit order",
    ),
  );
}

// ---- the order ---------------------------------------------------------------------------

function trackOrder(orderId, location, firstWait) {
  state.stopWatching();
  el("order-panel").hidden = false;
  renderOrder(orderId, "accepted");
  state.stopWatching = watchOrder(location, firstWait, (update) => {
    if (update.state === "placed") renderOrder(orderId, "placed", update.order);
    else if (update.state === "pending") renderOrder(orderId, "accepted");
    else if (update.state === "error") {
      renderOrder(orderId, "unknown", null, location);
      showMessage(update.error.message);
    } else renderOrder(orderId, "unknown", null, location);
  });
}

const STATUS_WORDS = {
  accepted: "Accepted: the kitchen is confirming your order…",
  placed: "Placed: your pierogi are on their way.",
  unknown: "Not confirmed yet.",
};

function renderOrder(orderId, status, order = null, location = null) {
  const parts = [
    h("p", {}, "Order ", h("code", {}, orderId)),
    h("p", { class: `status status-${status}`, id: "order-status" }, STATUS_WORDS[status]),
  ];
  if (order) {
    parts.push(
      h(
        "ul",
        { class: "order-lines" },
        order.items.map((item) =>
          h("li", {}, `${item.quantity} × ${item.name}: ${money(item.lineTotal, order.currency)}`),
        ),
      ),
      h("p", { class: "total" }, `Total ${money(order.total, order.currency)}`),
    );
  }
  if (location) {
    parts.push(
      h(
        "button",
        {
          type: "button",
          dataset: { key: "check-order" },
          onclick: () => trackOrder(orderId, location, 0),
        },
        "Check again",
      ),
    );
  }
  replaceContent(el("order"), parts);
}

// ---- carts and orders --------------------------------------------------------------------

const ORDERED_FILTER = { all: null, open: false, ordered: true };

async function loadHistory(more = false) {
  const { filter, token } = state.history;
  const page = await state.api.carts({
    ordered: ORDERED_FILTER[filter],
    limit: HISTORY_PAGE_SIZE,
    continuationToken: more ? token : null,
  });
  state.history.carts = more ? [...state.history.carts, ...page.body.carts] : page.body.carts;
  state.history.token = page.body.continuationToken;
  renderHistory();
}

function renderHistory() {
  const { carts, token } = state.history;
  const entries = carts.map((cart) => {
    const count = cart.items.reduce((sum, item) => sum + item.quantity, 0);
    const summary = `${when(cart.createdAt)}: ${count} pierogi, ${money(cart.total, cart.currency)}`;
    const action = cart.ordered
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            dataset: { key: `view:${cart.id}` },
            onclick: () => viewOrder(cart.orderId || cart.id),
          },
          "View order",
        )
      : h(
          "button",
          {
            type: "button",
            class: "secondary",
            dataset: { key: `continue:${cart.id}` },
            onclick: () => continueCart(cart.id),
          },
          "Continue this cart",
        );
    return h(
      "li",
      { class: "history-entry" },
      h("span", { class: `badge ${cart.ordered ? "ordered" : "open"}` }, cart.ordered ? "Ordered" : "Open"),
      h("span", {}, summary),
      action,
    );
  });
  replaceContent(
    el("history"),
    entries.length ? entries : [h("li", { class: "empty" }, "Nothing here yet.")],
  );
  el("more").hidden = !token;
}

const viewOrder = (orderId) =>
  act(async () => {
    trackOrder(orderId, `${state.api.root}/orders/${orderId}`, 0);
    el("order-heading").focus();
  });

const continueCart = (cartId) =>
  act(async () => {
    localStorage.setItem(state.cartKey, cartId);
    await reloadCart();
    el("cart-heading").focus();
  });

// ---- wiring ------------------------------------------------------------------------------

for (const radio of document.querySelectorAll('input[name="filter"]')) {
  radio.addEventListener("change", () =>
    act(async () => {
      state.history.filter = radio.value;
      await loadHistory();
    }),
  );
}
el("more").addEventListener("click", () => act(() => loadHistory(true)));

act(start);
