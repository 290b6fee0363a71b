import { h, type VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { TokenInfo } from '../domain/tokens/token-store.js';
import { ExpiringTokens } from './token-expiry-banner.js';

/** What the layout shows on every page besides the page's own data. */
export interface DocumentExtras {
  /** The viewer's tokens near expiry (the banner); empty when signed out. */
  expiringTokens?: readonly TokenInfo[];
}

/** A whole HTML document from a page component (preact escapes every text and attribute value). */
export function renderDocument(page: VNode, extras: DocumentExtras = {}): string {
  return `<!DOCTYPE html>${renderToString(h(ExpiringTokens.Provider, { value: extras.expiringTokens ?? [] }, page))}`;
}
