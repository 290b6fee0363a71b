import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json of Gitgate: found upwards from this module (src/, dist/ or dist/bundle/ alike). */
function readPackageJson(): { version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string };
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the package.json of gitgate');
}

export const VERSION: string = readPackageJson().version;
