import type { User } from '../domain/accounts/user-store.js';

/** What every page needs besides its own data: who is looking, the CSRF field value, and the clock. */
export interface PageContext {
  viewer: User | null;
  csrf: string;
  now: Date;
  baseUrl: string;
  /** A one-off message shown at the top of the page. */
  notice?: string | null;
}
