import autocannon from 'autocannon';
import { probe } from './gitgate-process.js';
import { makeRow, type Row } from './report.js';
import { envNumber, log } from './util.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

export const DURATION = () => envNumber('BENCH_DURATION', 10);
export const CONNECTIONS = 64;

/** A token in the right shape whose checksum is wrong: refused before any database access. */
export const GARBAGE_TOKEN = 'ggp_000000000000000000000000000000AAAAAA';

const rotationOffsets = new WeakMap<string[], number>();

/** autocannon for BENCH_DURATION seconds (10 by default) over 64 connections. */
export async function load(url: string, options: { headers?: Record<string, string>; rotate?: string[]; connections?: number; seconds?: number } = {}): Promise<LoadResult> {
  const rotate = options.rotate;
  // Continues where the previous load (the warm-up) stopped: a measured lookup never repeats a warm token.
  let next = rotate ? (rotationOffsets.get(rotate) ?? 0) : 0;
  const result = await autocannon({
    url,
    connections: options.connections ?? CONNECTIONS,
    duration: options.seconds ?? DURATION(),
    headers: options.headers ?? {},
    ...(rotate
      ? {
          // Each request presents the next token of the list: every lookup is a different row.
          requests: [
            {
              setupRequest: (request) => {
                const token = rotate[next++ % rotate.length]!;
                return { ...request, headers: { ...request.headers, authorization: `token ${token}` } };
              },
            },
          ],
        }
      : {}),
  });
  if (rotate) rotationOffsets.set(rotate, next);
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = Number(stat.count);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses, errors: result.errors };
}

export function describe(result: LoadResult): string {
  const codes = Object.entries(result.statuses)
    .map(([code, count]) => `${code}x${count}`)
    .join(' ');
  return `${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms [${codes}${result.errors ? ` errors ${result.errors}` : ''}]`;
}

/** Statuses other than the expected one mean the figure measures something else: say so. */
function unexpected(result: LoadResult, expected: string): string | undefined {
  const others = Object.entries(result.statuses).filter(([code]) => code !== expected);
  if (others.length === 0 && result.errors === 0) return undefined;
  return `unexpected answers: ${others.map(([code, count]) => `${code}x${count}`).join(' ')}${result.errors ? ` errors ${result.errors}` : ''}`;
}

export function throughputRow(
  group: string,
  workload: string,
  gitgate: LoadResult,
  expectedStatus: string,
  baseline: LoadResult,
  baselineName: string,
  target: string | null,
): Row {
  return makeRow({
    group,
    workload,
    unit: 'req/s',
    gitgate: gitgate.rps,
    baseline: baseline.rps,
    baselineName,
    target,
    note: unexpected(gitgate, expectedStatus),
    extra: { gitgate, baseline },
  });
}

/** Whether GET /api/v3/user exists yet (the REST API may not be merged). */
export async function apiReady(url: string, token: string): Promise<string | null> {
  const status = await probe(`${url}/api/v3/user`, { authorization: `token ${token}` });
  return status === 200 ? null : `GET /api/v3/user with a valid token answers ${status || 'nothing'} (REST API not there yet)`;
}

export function userUrl(base: string): string {
  return `${base}/api/v3/user`;
}

export function healthUrl(base: string): string {
  return `${base}/-/health`;
}

/** Loads measured in slices taken in turn (see measureInterleaved). */
const INTERLEAVED_ROUNDS = 5;

/**
 * Loads to be compared with each other, measured in turn: after a short untimed warm-up of each,
 * INTERLEAVED_ROUNDS rounds of a slice of each (BENCH_DURATION / rounds seconds, at least 1), the
 * order reversed every other round (A B C, C B A, ...). This machine's speed drifts by 10-30% over
 * minutes: two loads measured one after the other compare the drift as much as the loads, while
 * slices taken in turn see the same drift. Requests/s is the mean over the slices (all of one
 * length), p50 and p99 the median of the slices' own, statuses and errors their sums.
 */
export async function measureInterleaved<const T extends readonly InterleavedLoad[]>(loads: T): Promise<{ [K in keyof T]: LoadResult }> {
  log(`${loads.map((l) => l.name).join(' | ')} (in turn, ${INTERLEAVED_ROUNDS} slices each)...`);
  for (const one of loads) await one.run(Math.min(2, Math.max(1, DURATION() / 5)));
  const slice = Math.max(1, Math.round(DURATION() / INTERLEAVED_ROUNDS));
  const slices: LoadResult[][] = loads.map(() => []);
  for (let round = 0; round < INTERLEAVED_ROUNDS; round++) {
    const order = loads.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) slices[i]!.push(await loads[i]!.run(slice));
  }
  return slices.map((results, i) => {
    const combined = combine(results);
    log(`  ${loads[i]!.name}: ${describe(combined)}`);
    return combined;
  }) as { [K in keyof T]: LoadResult };
}

interface InterleavedLoad {
  name: string;
  run: (seconds: number) => Promise<LoadResult>;
}

function combine(results: LoadResult[]): LoadResult {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [code, count] of Object.entries(result.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    statuses,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

/**
 * Runs a load twice: a short untimed warm-up (JIT, connection pools, SQLite page cache), then the
 * measured one.
 */
export async function measure(name: string, run: (seconds: number) => Promise<LoadResult>): Promise<LoadResult> {
  log(`${name}...`);
  await run(Math.min(2, Math.max(1, DURATION() / 5)));
  const result = await run(DURATION());
  log(`  ${describe(result)}`);
  return result;
}
