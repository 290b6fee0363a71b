/**
 * Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-11-26T09:30:00.000Z`) on every
 * database engine: they sort lexicographically, compare portably and need no driver conversion.
 */
export function toDbTime(date: Date): string {
  return date.toISOString();
}

/** GitHub's wire form: ISO 8601, seconds precision, `Z`. */
export function toApiTime(value: string | Date): string {
  const iso = typeof value === 'string' ? value : value.toISOString();
  return `${iso.slice(0, 19)}Z`;
}

export function toApiTimeOrNull(value: string | null | undefined): string | null {
  return value ? toApiTime(value) : null;
}

export function fromDbTime(value: string): Date {
  return new Date(value);
}
