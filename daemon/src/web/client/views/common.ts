/** Small pieces shared by the views. */
import { ApiError } from '../api.js';
import { colorOf } from '../colors.js';
import { h } from '../dom.js';

/** A variant's name with its colour. */
export function variantLabel(name: string): HTMLSpanElement {
  return h('span', { class: 'variant', 'data-variant': name }, h('span', { class: 'chip', style: `background:${colorOf(name)}` }), name);
}

export function badge(text: string, kind: string = text): HTMLSpanElement {
  return h('span', { class: `badge ${kind}` }, text);
}

/** Why something could not be shown, in words a user can act on. */
export function unavailable(what: string, err: unknown): string {
  if (err instanceof ApiError && err.unreachable) return `${what}: not available (the daemon does not answer)`;
  return `${what}: not available (${err instanceof Error ? err.message : String(err)})`;
}

/** A long message cut to `max` characters (the whole text stays in the title tooltip). */
export function clipped(text: string, max: number, tag: 'span' | 'div' = 'span', cls = 'muted'): HTMLElement {
  const short = text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
  return h(tag, { class: cls, title: text.length > max ? text : undefined }, short);
}
