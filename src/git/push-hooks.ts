import fs from 'node:fs';
import path from 'node:path';

/**
 * The descriptor on which git's pre-receive hook reaches the Gitgate process that started the push.
 * Gitgate spawns `git receive-pack` with a socket pair's end as its fd 3; git does not close
 * inherited descriptors, so the hook it runs holds that same socket. Nothing else can reach it: no
 * path, no port, no secret to steal. The variable only tells the hook that fd 3 is that socket.
 */
export const HOOK_CHANNEL_FD = 3;
export const HOOK_CHANNEL_VARIABLE = 'GITGATE_PUSH_CHANNEL';

/** First field of a hook's request: names the format, so a change of it is refused, never misread. */
export const HOOK_REQUEST_MAGIC = 'gitgate-pre-receive 1';

/**
 * The pre-receive hook: POSIX sh, `cat` and shell built-ins only (every machine that runs git has
 * them; starting Node instead cost ~70 ms per push). It sends its quarantine variables and the ref
 * updates (NUL-separated: neither can contain a NUL), then relays the verdict: a first line `ok`
 * or `refused`, then lines for git to show the pusher as `remote:` lines. Anything else, such as
 * the socket closing early, refuses the push. Without the variable (e.g. an administrator pushing
 * on the server's shell) it accepts at once.
 */
const PRE_RECEIVE_HOOK = `#!/bin/sh
# Gitgate's pre-receive hook: asks the Gitgate process that started this push for a verdict.
[ "$${HOOK_CHANNEL_VARIABLE}" = ${HOOK_CHANNEL_FD} ] || exit 0
{
  printf '%s\\000%s\\000%s\\000%s\\000' '${HOOK_REQUEST_MAGIC}' "$GIT_OBJECT_DIRECTORY" "$GIT_ALTERNATE_OBJECT_DIRECTORIES" "$GIT_QUARANTINE_PATH"
  cat
  printf '\\000'
} >&${HOOK_CHANNEL_FD}
IFS= read -r verdict <&${HOOK_CHANNEL_FD}
while IFS= read -r line <&${HOOK_CHANNEL_FD}; do printf '%s\\n' "$line" >&2; done
[ "$verdict" = ok ] && exit 0
[ "$verdict" = refused ] || echo 'Push refused: Gitgate could not check it for leaked tokens. Try again.' >&2
exit 1
`;

/**
 * Writes Gitgate's own hooks directory (used through `core.hooksPath`, so nothing inside the
 * repositories changes). The hook does nothing unless Gitgate passed it the channel. The directory
 * is named after the request format: instances of two versions sharing a data directory (during an
 * upgrade) each run their own hook, never one that does not understand how it was started.
 */
export function installHooksDir(dataDir: string): string {
  const dir = path.join(dataDir, 'hooks', 'fd-channel-1');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'pre-receive');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== PRE_RECEIVE_HOOK) {
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, PRE_RECEIVE_HOOK, { mode: 0o755 });
    fs.renameSync(temp, file);
  }
  return dir;
}
