// The storefront: sign-in, menu, cart, submit, the order's progress, the shopper's history.
// It uses only the public HTTP API (see the README) and shows every refusal in the API's words.

import { ApiError, ShopperApi } from "./api.js";
import { h, replaceContent } from "./dom.js";
import { retryAfterSeconds, watchOrder } from "./order-tracking.js";
import {
  SIGN_IN_URL,
  SIGN_OUT_URL,
  currentSession,
  forgetHandle,
  storeHandle,
  storedHandle,
} from "./session.js";
import { cartView, historyView, menuView, orderView } from "./views.js";

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
  // The history shows this cart too: keep its entry as fresh as the cart, without a request.
  const entries = state.history.carts;
  const index = entries.findIndex((entry) => entry.id === state.cart.id);
  if (index >= 0) entries[index] = state.cart;
  renderHistory();
}

function forgetCart() {
  state.cart = null;
  state.etag = null;
  localStorage.removeItem(state.cartKey);
  renderCart();
  renderHistory();
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
  if (!state.cart) {
    rememberCart(await state.api.createCart());
    await loadHistory(); // the new cart is the newest entry
  }
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
  replaceContent(el("menu"), menuView(state.products, { add: addOne }));
}

function renderCart() {
  replaceContent(
    el("cart"),
    cartView(state.cart, { raise: addOne, lower: lowerOne, remove: removeLine, submit: submitCart }),
  );
}

// ---- the order ---------------------------------------------------------------------------

function trackOrder(orderId, location, firstWait) {
  state.stopWatching();
  el("order-panel").hidden = false;
  renderOrder(orderId, "accepted");
  const checkAgain = () => trackOrder(orderId, location, 0);
  state.stopWatching = watchOrder(location, firstWait, (update) => {
    if (update.state === "placed") renderOrder(orderId, "placed", { order: update.order });
    else if (update.state === "pending") renderOrder(orderId, "accepted");
    else {
      renderOrder(orderId, "unknown", { checkAgain });
      if (update.state === "error") showMessage(update.error.message);
    }
  });
}

function renderOrder(orderId, status, options) {
  replaceContent(el("order"), orderView(orderId, status, options));
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
  replaceContent(
    el("history"),
    historyView(carts, state.cart && state.cart.id, { viewOrder, continueCart }),
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
