import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hook program git runs (plain JavaScript, shipped as is: src/git/hooks/pre-receive.mjs). */
export const PRE_RECEIVE_SCRIPT = fileURLToPath(new URL('../../src/git/hooks/pre-receive.mjs', import.meta.url));

/**
 * Writes Gitgate's own hooks directory (used through `core.hooksPath`, so nothing inside the
 * repositories changes). The hook does nothing unless Gitgate passed it a socket and a secret.
 */
export function installHooksDir(dataDir: string): string {
  const dir = path.join(dataDir, 'hooks');
  fs.mkdirSync(dir, { recursive: true });
  const script = '#!/bin/sh\n[ -n "$GITGATE_HOOK_SOCKET" ] || exit 0\nexec "$GITGATE_NODE" "$GITGATE_HOOK_SCRIPT"\n';
  const file = path.join(dir, 'pre-receive');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== script) {
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, script, { mode: 0o755 });
    fs.renameSync(temp, file);
  }
  return dir;
}
