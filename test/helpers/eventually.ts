/** Polls `check` every 20 ms until it holds or `timeoutMs` passes; answers whether it held (for an assertion with its own message). */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** Waits until `predicate` holds (work done off the request path: mail, logs, threads), failing after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (!(await waitFor(predicate, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}
