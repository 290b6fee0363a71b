import type { ExpirationChoice } from '../../domain/tokens/expiration.js';
import { invalid } from '../../lib/errors.js';
import { EXPIRATION_OPTIONS, type ExpirationValue } from '../../views/token-pages.js';
import { field } from './web-context.js';

/** The values the form's Expiration select offers: anything else falls back to the default. */
const VALUES: string[] = EXPIRATION_OPTIONS.map((o) => o.value);

export function readExpiration(body: unknown): { expiration: ExpirationValue; customDate: string } {
  const raw = field(body, 'expiration');
  return { expiration: VALUES.includes(raw) ? (raw as ExpirationValue) : '30', customDate: field(body, 'custom_date').trim() };
}

/** The form's choice as the domain's; the domain checks dates (past, too far) itself. */
export function toExpirationChoice(values: { expiration: ExpirationValue; customDate: string }): ExpirationChoice {
  switch (values.expiration) {
    case 'never':
      return { kind: 'never' };
    case 'custom':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(values.customDate)) throw invalid('expiration_date_missing', 'expiration', 'Choose a custom expiration date.');
      return { kind: 'date', date: values.customDate };
    default:
      return { kind: 'days', days: Number(values.expiration) as 7 | 30 | 60 | 90 };
  }
}
