/** A problem that keeps the server from starting (port in use, unreadable certificate): one clear line. */
export class StartupError extends Error {
  override name = 'StartupError';
}
