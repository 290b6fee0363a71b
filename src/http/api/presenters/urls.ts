import type { Config } from '../../../config.js';

/** Every URL in a response is absolute and built from the configured base URL at request time. */
export interface UrlBase {
  /** `https://host` */
  web: string;
  /** `https://host/api/v3` */
  api: string;
}

export function urlBase(config: Config): UrlBase {
  return { web: config.baseUrl, api: `${config.baseUrl}/api/v3` };
}

/** A path segment for a URL: logins and names are already restricted, but a ref or path is not. */
export const seg = (value: string) => encodeURIComponent(value);

/** A repository path inside a URL: each segment encoded, slashes kept. */
export const pathSegs = (value: string) => value.split('/').map(encodeURIComponent).join('/');
