import { createHash } from 'node:crypto';

/**
 * A GitHub-style identicon: a 5x5 mirrored grid in one colour derived from the login. Generated, so
 * no upload or external service is needed.
 */
export function identiconSvg(login: string): string {
  const hash = createHash('sha256').update(login.toLowerCase()).digest();
  const hue = Math.round((hash[0]! / 255) * 360);
  const color = `hsl(${hue},55%,55%)`;
  const cells: string[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 3; col++) {
      if (((hash[1 + row * 3 + col] ?? 0) & 1) === 0) continue;
      for (const x of col === 2 ? [2] : [col, 4 - col]) {
        cells.push(`<rect x="${x * 70 + 35}" y="${row * 70 + 35}" width="70" height="70"/>`);
      }
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 420"><rect width="420" height="420" fill="#f0f0f0"/><g fill="${color}">${cells.join('')}</g></svg>`;
}

/** The identicon inline, for pages (the CSP allows data: images). */
export function identiconDataUri(login: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(identiconSvg(login)).toString('base64')}`;
}
