import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** One line of the table: Gitgate's figure beside its baseline's, from the same run. */
export interface Row {
  group: string;
  workload: string;
  unit: 'ms' | 'req/s' | 'MB';
  gitgate: number | null;
  baseline: number | null;
  baselineName: string;
  /** gitgate / baseline. */
  ratio: number | null;
  /** e.g. '<= 1.05' (time: lower is better) or '>= 0.75' (throughput: higher is better). */
  target: string | null;
  met: boolean | null;
  /** Why a figure is missing, or what else to know. */
  note?: string;
  extra?: Record<string, unknown>;
}

export function makeRow(input: Omit<Row, 'ratio' | 'met'> & { ratio?: number | null }): Row {
  const ratio = input.ratio !== undefined ? input.ratio : input.gitgate !== null && input.baseline ? input.gitgate / input.baseline : null;
  let met: boolean | null = null;
  if (ratio !== null && input.target) {
    const match = /^(<=|>=|<|>)\s*([\d.]+)/.exec(input.target);
    if (match) {
      const limit = Number(match[2]);
      met = match[1] === '<=' ? ratio <= limit : match[1] === '>=' ? ratio >= limit : match[1] === '<' ? ratio < limit : ratio > limit;
    }
  }
  return { ...input, ratio, met };
}

export function notMeasured(group: string, workload: string, baselineName: string, target: string | null, why: string): Row {
  return makeRow({ group, workload, unit: 'ms', gitgate: null, baseline: null, baselineName, target, note: `not measured: ${why}` });
}

function formatValue(value: number | null, unit: Row['unit']): string {
  if (value === null) return '-';
  if (unit === 'req/s') return `${Math.round(value)} req/s`;
  if (unit === 'MB') return `${value.toFixed(1)} MB`;
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function formatTable(unordered: Row[]): string {
  // Rows of one group together, groups in the order they first appear.
  const groups = [...new Set(unordered.map((row) => row.group))];
  const rows = groups.flatMap((group) => unordered.filter((row) => row.group === group));
  const header = ['workload', 'gitgate', 'baseline', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => [
    row.workload,
    formatValue(row.gitgate, row.unit),
    row.baseline === null ? '-' : `${formatValue(row.baseline, row.unit)} (${row.baselineName})`,
    row.ratio === null ? '-' : `${row.ratio.toFixed(2)}x`,
    row.target ? `${row.target}x` : '',
    row.met === null ? (row.note?.startsWith('not measured') ? row.note : '') : row.met ? 'yes' : `NO${row.note ? ` (${row.note})` : ''}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (i === 5 ? 0 : line[i]!.length))));
  const pad = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const out = [pad(header), pad(widths.map((w) => '-'.repeat(w)))];
  let group = '';
  for (const [i, line] of lines.entries()) {
    if (rows[i]!.group !== group) {
      group = rows[i]!.group;
      out.push(`[${group}]`);
    }
    out.push(pad(line));
    if (rows[i]!.met !== null && rows[i]!.note) out.push(`    ${rows[i]!.note}`);
  }
  return `${out.join('\n')}\n`;
}

export function machineFacts(): Record<string, unknown> {
  const version = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    // nginx -v answers on stderr.
    return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split('\n')[0] : null;
  };
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? null,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    kernel: os.release(),
    node: process.version,
    git: version('git', ['--version']),
    nginx: fs.existsSync('/usr/sbin/nginx') ? version('/usr/sbin/nginx', ['-v']) : null,
    loadAverageAtStart: os.loadavg(),
  };
}
