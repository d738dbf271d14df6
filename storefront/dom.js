// Building the page's elements from data: text goes in as text (never as HTML), so nothing a
// server or a shopper sends can inject markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Replaces a container's content and gives focus back to the control that had it (matched
// by its data-key), so a keyboard user stays where they were after each re-render.
export function replaceContent(container, ...children) {
  const focusedKey = document.activeElement && document.activeElement.dataset?.key;
  container.replaceChildren(...children.flat());
  if (!focusedKey) return;
  const again = container.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`);
  if (again && !again.disabled) again.focus();
}

export function money(amount, currency) {
  return `${amount} ${currency}`;
}

export function when(isoTime) {
  return new Date(isoTime).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}
