/**
 * What one load costs beyond another, function by function: the self cost (instructions) of each
 * function in two callgrind dumps kept by bench/count-instructions.ts (COUNT_KEEP), per request,
 * the second subtracted from the first, largest first. E.g. the hot `GET /api/v3/user` against
 * health: what the route adds. JIT code is named from the perf map kept beside each dump
 * (bench/name-jit-code.ts); a JS function's tier (`*`, `^`) and its place in a bundle whose name
 * changes with each build are left out of its name, so two builds' functions line up.
 *
 * Usage: node --import tsx bench/compare-profiles.ts A.callgrind B.callgrind [TOP]
 *   Environment: COUNT_REQUESTS (3000, the requests each dump counted).
 * Needs valgrind's callgrind_annotate.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [first, second, top = '60'] = process.argv.slice(2);
if (!first || !second) {
  process.stderr.write('usage: bench/compare-profiles.ts A.callgrind B.callgrind [TOP]\n');
  process.exit(2);
}
const requests = Number(process.env.COUNT_REQUESTS ?? 3000);
const namer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'name-jit-code.ts');

/** Self cost per function name, summed over the names that differ only by tier or bundle place. */
function selfCosts(dump: string): Map<string, number> {
  const annotated = execFileSync('callgrind_annotate', ['--threshold=100', '--auto=no', dump], { maxBuffer: 256 * 1024 * 1024 });
  const named = execFileSync(process.execPath, ['--import', 'tsx', namer, dump.replace(/\.callgrind$/, '.perf-map')], {
    input: annotated,
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
  const costs = new Map<string, number>();
  for (const line of named.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const name = match[2]!.replace(/^JS:[*^~]/, 'JS:').replace(/ file:\/\/\S*\/bundle\/\S+:\d+:\d+$/, '');
    // The frames every instruction runs under (main, the event loop) are not functions of the load.
    if (/PROGRAM TOTALS|__libc_start|\(below main\)|:main |ld-linux|NodeMainInstance|SpinEventLoop|node::Start\(/.test(name)) continue;
    costs.set(name, (costs.get(name) ?? 0) + Number(match[1]!.replaceAll(',', '')));
  }
  return costs;
}

const a = selfCosts(first);
const b = selfCosts(second);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((name) => {
  const [x, y] = [(a.get(name) ?? 0) / requests, (b.get(name) ?? 0) / requests];
  return { name, a: x, b: y, difference: x - y };
});
rows.sort((left, right) => right.difference - left.difference);
const total = rows.reduce((sum, row) => sum + row.difference, 0);
const cell = (value: number) => Math.round(value).toLocaleString('en-US').padStart(8);
process.stdout.write(`instructions per request: A - B = ${Math.round(total).toLocaleString('en-US')}\n`);
process.stdout.write(`${'A - B'.padStart(8)} ${'A'.padStart(8)} ${'B'.padStart(8)}  function\n`);
for (const row of rows.slice(0, Number(top))) process.stdout.write(`${cell(row.difference)} ${cell(row.a)} ${cell(row.b)}  ${row.name}\n`);
