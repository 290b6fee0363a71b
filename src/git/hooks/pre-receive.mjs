// Gitgate's pre-receive hook (plain JavaScript: git runs it with the node that runs Gitgate).
// It hands the ref updates and the quarantine variables back to the Gitgate process that started
// this push, over a Unix socket only that process listens on, and prints its verdict: git shows
// the lines to the pusher as `remote:` lines, and a non-zero exit refuses every ref update.
import http from 'node:http';

const socketPath = process.env.GITGATE_HOOK_SOCKET;
const secret = process.env.GITGATE_HOOK_SECRET;
if (!socketPath || !secret) process.exit(0); // a push Gitgate did not start (e.g. an admin on the shell)

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const updates = input
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [oldSha, newSha, ref] = line.split(' ');
    return { oldSha, newSha, ref };
  });
const body = JSON.stringify({
  secret,
  updates,
  env: {
    GIT_OBJECT_DIRECTORY: process.env.GIT_OBJECT_DIRECTORY,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES,
    GIT_QUARANTINE_PATH: process.env.GIT_QUARANTINE_PATH,
  },
});

const verdict = await new Promise((resolve) => {
  const request = http.request({ socketPath, path: '/pre-receive', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (d) => (text += d));
    response.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve({ blocked: true, lines: ['Push refused: Gitgate could not check it for leaked tokens. Try again.'] });
      }
    });
  });
  request.on('error', () => resolve({ blocked: true, lines: ['Push refused: Gitgate could not check it for leaked tokens. Try again.'] }));
  request.end(body);
});

for (const line of verdict.lines ?? []) process.stderr.write(`${line}\n`);
process.exit(verdict.blocked ? 1 : 0);
