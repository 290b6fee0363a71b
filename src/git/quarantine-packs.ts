import fs from 'node:fs';
import path from 'node:path';

/*
 * receive-pack keeps a push's objects in a quarantine directory (`objects/tmp_objdir-incoming-*`)
 * until its pre-receive hook has accepted them. For a push of more than `receive.unpackLimit`
 * objects that directory holds one pack, which index-pack writes as `pack/tmp_pack_*` and renames
 * to `pack-<hash>.pack`, `.keep` (and `.rev`), and `.idx` last. Once the `.idx` has its name the pack
 * is complete; receive-pack then checks connectivity (a walk of the new history, tens of ms for a
 * large push) before it runs the hook. Watching for the `.idx` lets the leak scan start at that
 * moment and run beside the walk, instead of after it.
 *
 * The folders above the pack are watched (inotify: a handful of events per push). The pack folder
 * itself is looked at every PACK_POLL_MS instead: inotify reports every write to the file index-pack
 * is writing there, some 4 KB each, and Node waking for each of them slowed a 10 MB push by 25-30 ms
 * (index-pack itself took ~35 ms longer beside it). A look is one `readdir` of a folder of a few files.
 */

const QUARANTINE = /^(tmp_objdir-)?incoming-/;
/** How often a quarantine's pack folder is looked at while its push lasts. */
const PACK_POLL_MS = 3;
const PACK_INDEX = /^(pack-[0-9a-f]{40,64})\.idx$/;

export interface QuarantinePack {
  /** The quarantine directory, as receive-pack hands it to the hook in GIT_QUARANTINE_PATH. */
  quarantine: string;
  /** `pack-<hash>`: the pack's files all start with it. */
  pack: string;
}

/**
 * Reports each pack that index-pack completes in a quarantine of `repoDir` from now until `close`
 * (fs.watch and a look at the pack folder every few milliseconds, all synchronous: nothing on the
 * thread pool). Best effort: a pack it misses is simply scanned when the hook asks.
 */
export function watchQuarantinePacks(repoDir: string, onPack: (found: QuarantinePack) => void) {
  const watchers: fs.FSWatcher[] = [];
  const polls = new Set<NodeJS.Timeout>();
  const seen = new Set<string>();
  let closed = false;

  const watch = (dir: string, onName: (name: string) => void) => {
    if (closed) return;
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (typeof name === 'string') onName(name);
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
      // Whatever was created before the watch began.
      for (const name of fs.readdirSync(dir)) onName(name);
    } catch {
      // Gone already (the push ended) or not there yet: nothing to watch.
    }
  };
  // Looks at a folder until `found` has dealt with a name it waits for, the folder is gone (the
  // push ended) or the watch is closed.
  const poll = (dir: string, found: (name: string) => boolean) => {
    const look = () => {
      polls.delete(timer);
      if (closed) return;
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        return;
      }
      if (names.some(found)) return;
      timer = setTimeout(look, PACK_POLL_MS);
      timer.unref();
      polls.add(timer);
    };
    let timer = setTimeout(look, 0);
    timer.unref();
    polls.add(timer);
  };
  /** Reports the quarantine's pack once its index is there, and says whether it did (receive-pack writes one pack per push). */
  const reportPackIndex = (quarantine: string) => (name: string) => {
    const match = PACK_INDEX.exec(name);
    if (!match) return false;
    onPack({ quarantine, pack: match[1]! });
    return true;
  };
  const onQuarantineEntry = (quarantine: string) => (name: string) => {
    const key = `${quarantine}\0pack/`;
    if (name !== 'pack' || seen.has(key)) return;
    seen.add(key);
    poll(path.join(quarantine, 'pack'), reportPackIndex(quarantine));
  };
  const objects = path.join(repoDir, 'objects');
  watch(objects, (name) => {
    if (!QUARANTINE.test(name) || seen.has(name)) return;
    seen.add(name);
    const quarantine = path.join(objects, name);
    watch(quarantine, onQuarantineEntry(quarantine));
  });

  return {
    close() {
      closed = true;
      for (const watcher of watchers.splice(0)) watcher.close();
      for (const timer of polls) clearTimeout(timer);
      polls.clear();
    },
  };
}

/**
 * True when `quarantine` holds exactly one pack, `pack`, and nothing else (no loose objects, no
 * other pack). Pack files are named after the hash of their content: a scan of that pack was then
 * a scan of everything the push adds.
 */
export async function quarantineHoldsOnly(quarantine: string, pack: string): Promise<boolean> {
  try {
    const top = await fs.promises.readdir(quarantine);
    if (top.length !== 1 || top[0] !== 'pack') return false;
    const files = await fs.promises.readdir(path.join(quarantine, 'pack'));
    return files.includes(`${pack}.pack`) && files.includes(`${pack}.idx`) && files.every((name) => name.startsWith(`${pack}.`));
  } catch {
    return false;
  }
}
