import { invalid } from '../../lib/errors.js';

/** Names that collide with routes; reserved for users and organizations alike. */
export const RESERVED_NAMES = new Set([
  'settings', 'login', 'logout', 'signup', 'join', 'api', 'admin', 'new', 'organizations', 'orgs', 'users', 'user',
  'repos', 'repositories', 'explore', 'dashboard', 'sessions', 'session', 'setup', 'assets', 'static', 'public',
  'raw', 'avatars', 'help', 'about', 'security', 'site', 'git', 'graphql', 'health', 'ready', 'favicon.ico', 'robots.txt',
  'notifications', 'account', 'profile', 'tokens', 'apps', 'ghost', 'gitgate', 'root', 'system', 'null', 'undefined',
]);

// GitHub's rule: 1-39 characters, alphanumeric or single hyphens, no leading or trailing hyphen.
const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

export function validateLogin(login: string, field = 'login'): string {
  if (login.length === 0) throw invalid('login_missing', field, 'Username is required.', 'missing_field');
  if (login.length > 39) throw invalid('login_too_long', field, 'Username is too long (maximum is 39 characters).');
  if (!LOGIN_PATTERN.test(login)) {
    throw invalid(
      'login_invalid',
      field,
      'Username may only contain alphanumeric characters or single hyphens, and cannot begin or end with a hyphen.',
    );
  }
  if (RESERVED_NAMES.has(login.toLowerCase())) throw invalid('login_reserved', field, `Username "${login}" is reserved.`);
  return login;
}

const EMAIL_PATTERN = /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function validateEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length === 0) throw invalid('email_missing', 'email', 'Email address is required.', 'missing_field');
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw invalid('email_invalid', 'email', `Email address "${trimmed}" is not valid.`);
  }
  return trimmed;
}

export const MIN_PASSWORD_LENGTH = 8;

export function validatePassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid('password_too_short', 'password', `Password is too short (minimum is ${MIN_PASSWORD_LENGTH} characters).`);
  }
  if (password.length > 1024) throw invalid('password_too_long', 'password', 'Password is too long (maximum is 1024 characters).');
  return password;
}
