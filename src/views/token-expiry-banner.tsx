import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TokenInfo } from '../domain/tokens/token-store.js';
import { DAY } from '../lib/clock.js';
import { formatDate } from './format.js';

/**
 * The viewer's tokens that expire within 7 days or expired within the last 7 (issue 18). Provided
 * by the renderer around every page, so no page has to load or pass them itself.
 */
export const ExpiringTokens = createContext<readonly TokenInfo[]>([]);

/** "expires in 3 days" / "expired on Mon, Dec 1 2025": the words for one token. */
export function expiryNoticeText(token: Pick<TokenInfo, 'note' | 'expiresAt'>, now: Date): string {
  const expiresAt = new Date(token.expiresAt!);
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return `Your personal access token "${token.note}" expired on ${formatDate(expiresAt)}.`;
  if (left < DAY) return `Your personal access token "${token.note}" expires in less than a day.`;
  const days = Math.ceil(left / DAY);
  return `Your personal access token "${token.note}" expires in ${days} day${days === 1 ? '' : 's'}.`;
}

/** A warning at the top of every signed-in page, linking to the tokens page. */
export function TokenExpiryBanner({ now }: { now: Date }) {
  const tokens = useContext(ExpiringTokens);
  if (tokens.length === 0) return null;
  return (
    <div class="flash flash-warn mb-3 token-expiry-banner" role="status" data-token-expiry-banner>
      {tokens.map((token) => (
        <p class="mb-0" data-token-id={token.id}>
          {expiryNoticeText(token, now)} <a href="/settings/tokens">Regenerate it.</a>
        </p>
      ))}
    </div>
  );
}
