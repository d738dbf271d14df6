// What the page shows, built from the API's data: pure functions from data and callbacks to
// elements. Every control has a name a screen reader says and a data-key that keeps the
// keyboard focus on it when its part of the page is drawn again.

import { h, money, when } from "./dom.js";

function button(text, key, onclick, { label = null, className = null } = {}) {
  return h(
    "button",
    { type: "button", class: className, dataset: { key }, "aria-label": label, onclick },
    text,
  );
}

export function menuView(products, { add }) {
  return products.map((product) =>
    h(
      "li",
      { class: "product" },
      h("span", { class: "product-name" }, product.name),
      h("span", { class: "price" }, money(product.unitPrice, product.currency)),
      button("Add", `add:${product.id}`, () => add(product.id), {
        label: `Add one ${product.name}`,
      }),
    ),
  );
}

function cartLine(item, currency, { raise, lower, remove }) {
  const id = item.productId;
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, item.name),
    h("td", { class: "number" }, money(item.unitPrice, currency)),
    h(
      "td",
      { class: "quantity" },
      button("−", `lower:${id}`, () => lower(id), {
        label: `One fewer ${item.name}`,
        className: "icon",
      }),
      h("output", { "aria-label": `Quantity of ${item.name}` }, item.quantity),
      button("+", `raise:${id}`, () => raise(id), {
        label: `One more ${item.name}`,
        className: "icon",
      }),
    ),
    h("td", { class: "number" }, money(item.lineTotal, currency)),
    h(
      "td",
      {},
      button("Remove", `remove:${id}`, () => remove(id), {
        label: `Remove ${item.name}`,
        className: "secondary",
      }),
    ),
  );
}

export function cartView(cart, actions) {
  if (!cart || cart.items.length === 0) {
    return [h("p", { class: "empty" }, "Your cart is empty: add pierogi from the menu.")];
  }
  const headings = ["Pierogi", "Price", "Quantity", "Line total"];
  return [
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
          headings.map((name) => h("th", { scope: "col" }, name)),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ),
      ),
      h(
        "tbody",
        {},
        cart.items.map((item) => cartLine(item, cart.currency, actions)),
      ),
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
    button("Submit order", "submit", actions.submit, { className: "submit" }),
  ];
}

const STATUS_WORDS = {
  accepted: "Accepted: the kitchen is confirming your order…",
  placed: "Placed: your pierogi are on their way.",
  unknown: "Not confirmed yet.",
};

// status: "accepted" | "placed" (with the order) | "unknown" (with checkAgain)
export function orderView(orderId, status, { order = null, checkAgain = null } = {}) {
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
  if (checkAgain) parts.push(button("Check again", "check-order", checkAgain));
  return parts;
}

function historyAction(cart, currentCartId, { viewOrder, continueCart }) {
  if (cart.id === currentCartId) return h("span", { class: "current" }, "In your cart now");
  if (cart.ordered) {
    return button("View order", `view:${cart.id}`, () => viewOrder(cart.orderId || cart.id), {
      className: "secondary",
    });
  }
  return button("Continue this cart", `continue:${cart.id}`, () => continueCart(cart.id), {
    className: "secondary",
  });
}

export function historyView(carts, currentCartId, actions) {
  if (carts.length === 0) return [h("li", { class: "empty" }, "Nothing here yet.")];
  return carts.map((cart) => {
    const count = cart.items.reduce((sum, item) => sum + item.quantity, 0);
    const status = cart.ordered ? "Ordered" : "Open";
    return h(
      "li",
      { class: "history-entry" },
      h("span", { class: `badge ${status.toLowerCase()}` }, status),
      h("span", {}, `${when(cart.createdAt)}: ${count} pierogi, ${money(cart.total, cart.currency)}`),
      historyAction(cart, currentCartId, actions),
    );
  });
}
