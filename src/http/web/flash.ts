import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { Session } from '../../domain/auth/session-service.js';
import type { Services } from '../../domain/services.js';
import { MINUTE } from '../../lib/clock.js';
import { hmacSha256 } from '../../lib/crypto.js';
import { cookieOptions } from './web-session.js';

const FLASH_COOKIE = 'gitgate_flash';
const LIFETIME_MS = 10 * MINUTE;

export interface Flash {
  /** A freshly generated or regenerated token: shown once on the token list. */
  token?: { value: string; id: number };
  notice?: string;
}

interface Sealed extends Flash {
  sid: number;
  exp: number;
}

/**
 * A one-time message for the next page, carried in an AES-256-GCM encrypted cookie under the
 * server key: every instance can read it, nothing is stored, the secret never appears in a URL,
 * and it is bound to the session and cleared by the page that shows it.
 */
export function createFlash(services: Services, config: Config) {
  const key = hmacSha256(services.secretKey, 'web-flash-cookie');

  function seal(value: Sealed): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  function open(text: string): Sealed | null {
    try {
      const raw = Buffer.from(text, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Sealed;
    } catch {
      return null;
    }
  }

  return {
    set(reply: FastifyReply, session: Session, flash: Flash) {
      const sealed = seal({ ...flash, sid: session.id, exp: services.clock.millis() + LIFETIME_MS });
      reply.setCookie(FLASH_COOKIE, sealed, { ...cookieOptions(config), maxAge: LIFETIME_MS / 1000 });
    },

    /** The flash for this session, at most once: reading clears the cookie. */
    take(request: FastifyRequest, reply: FastifyReply, session: Session | null): Flash | null {
      const text = request.cookies[FLASH_COOKIE];
      if (!text) return null;
      reply.clearCookie(FLASH_COOKIE, cookieOptions(config));
      const value = open(text);
      if (!value || !session || value.sid !== session.id || value.exp < services.clock.millis()) return null;
      return { token: value.token, notice: value.notice };
    },
  };
}
