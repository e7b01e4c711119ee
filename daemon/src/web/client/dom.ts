/** A tiny element builder: the page builds its DOM from data, never from HTML strings (no injection). */

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined | null> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** A table with one header row: `headers` are its cells (th), `rows` the body's rows (tr). */
export function table(headers: readonly Child[], rows: readonly Child[]): HTMLTableElement {
  return h('table', null, h('thead', null, h('tr', null, ...headers)), h('tbody', null, ...rows));
}

/** Replace the content of the element with this id. */
export function fill(id: string, ...children: Child[]): HTMLElement {
  const el = byId(id);
  el.replaceChildren();
  append(el, children);
  return el;
}

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el;
}

/** A muted one-line message (loading, nothing yet). */
export function note(text: string): HTMLParagraphElement {
  return h('p', { class: 'muted' }, text);
}

/** A visible error line. */
export function errorNote(text: string): HTMLParagraphElement {
  return h('p', { class: 'error' }, text);
}
