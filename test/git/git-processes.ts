import fs from 'node:fs';

/** Live processes (pid and command line) whose working directory or arguments name `dir`. */
export function processesUsing(dir: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let cwd = '';
      try {
        cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // a zombie has no cwd; it is caught by zombieChildren()
      }
      if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Children of this process that exited but were never reaped. */
export function zombieChildren(): number[] {
  const zombies: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' && Number(fields[1]) === process.pid) zombies.push(Number(entry));
    } catch {
      // gone
    }
  }
  return zombies;
}

/** This process's open file descriptors that point into `dir`. */
export function ownDescriptorsInto(dir: string): string[] {
  const found: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) found.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return found;
}

/** The files other live processes write their stdout into (a spare git's is a blank answer file). */
export function stdoutFilesOfOthers(): Set<string> {
  const files = new Set<string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      files.add(fs.readlinkSync(`/proc/${entry}/fd/1`));
    } catch {
      // gone, or not ours to look at
    }
  }
  return files;
}
