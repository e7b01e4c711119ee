/** Small pieces shared by the views. */
import type { ApiError } from '../api.js';
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
  const e = err as ApiError;
  if (e && e.name === 'ApiError') {
    if (e.unreachable) return `${what}: not available (the daemon does not answer)`;
    if (e.missingRoute) return `${what}: not available (this daemon has no ${e.url.split('?')[0]} route)`;
    return `${what}: not available (${e.message})`;
  }
  return `${what}: not available (${(err as Error)?.message ?? String(err)})`;
}

/** A long message cut to `max` characters (the whole text stays in the title tooltip). */
export function clipped(text: string, max: number, tag: 'span' | 'div' = 'span', cls = 'muted'): HTMLElement {
  const short = text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
  return h(tag, { class: cls, title: text.length > max ? text : undefined }, short);
}
