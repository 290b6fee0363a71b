/**
 * Puts JS function names on the anonymous addresses of JIT-compiled code in callgrind_annotate's
 * output (`???:0x000000000d152440 [???]`), from the perf map V8 wrote for that process
 * (`--perf-basic-prof`; bench/count-instructions.ts keeps it beside the dump with COUNT_KEEP).
 *
 * Usage: callgrind_annotate --inclusive=yes DUMP | node --import tsx bench/name-jit-code.ts PERF_MAP
 */
import fs from 'node:fs';

const [mapFile] = process.argv.slice(2);
if (!mapFile) {
  process.stderr.write('usage: callgrind_annotate DUMP | bench/name-jit-code.ts PERF_MAP\n');
  process.exit(2);
}

// Lines are `START SIZE NAME` in hex; code moved or recompiled later gets a later line, which wins.
const ranges = fs
  .readFileSync(mapFile, 'utf8')
  .split('\n')
  .map((line) => /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line))
  .filter((match) => match !== null)
  .map((match) => ({ start: Number.parseInt(match[1]!, 16), end: Number.parseInt(match[1]!, 16) + Number.parseInt(match[2]!, 16), name: match[3]! }));

function nameOf(address: number): string | null {
  for (let i = ranges.length - 1; i >= 0; i--) {
    const range = ranges[i]!;
    if (address >= range.start && address < range.end) return range.name;
  }
  return null;
}

const input = fs.readFileSync(0, 'utf8');
// Call trees (`--tree=caller`) put a call count between the address and its `[???]`.
process.stdout.write(
  input.replace(/\?\?\?:0x([0-9a-f]+)( \([\d,]+x\))? \[\?\?\?\]/g, (whole, hex: string, calls = '') => {
    const name = nameOf(Number.parseInt(hex, 16));
    return name ? name + calls : whole;
  }),
);
