import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, sleep } from './util.js';

/** The tools users would pick instead of Gitgate: nginx in front of fcgiwrap running `git http-backend`. */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => fs.existsSync(file)) ?? null;
const FCGIWRAP = ['/usr/sbin/fcgiwrap', '/usr/bin/fcgiwrap'].find((file) => fs.existsSync(file)) ?? null;
const HTTP_BACKEND = ['/usr/lib/git-core/git-http-backend', '/usr/libexec/git-core/git-http-backend'].find((file) => fs.existsSync(file)) ?? null;

export const NGINX_MISSING = 'not measured (apt-get install nginx fcgiwrap)';

export function nginxAvailable(): boolean {
  return NGINX !== null && FCGIWRAP !== null && HTTP_BACKEND !== null;
}

export interface NginxServer {
  url: string;
  stop(): Promise<void>;
}

async function waitForSocket(file: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(file)) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await sleep(50);
  }
}

/** Stops a child; for a group leader (spawned detached), the whole group, by its id. */
function stopChild(child: ChildProcess, group = false): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (group && child.pid) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // already gone
    }
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    if (group) signal('SIGTERM');
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), 5_000).unref();
  });
}

/**
 * Starts nginx (in the foreground, config and temp files in `dir`) on a free loopback port, serving
 * every repository under `projectRoot` anonymously through git http-backend, pushes included.
 */
export async function startNginx(dir: string, projectRoot: string): Promise<NginxServer> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'fcgiwrap.sock');
  const port = await freePort();
  // One fcgiwrap child per concurrent request: 16 covers the 8 parallel clones.
  // Its own process group: fcgiwrap's pre-forked children outlive a parent killed alone.
  const fcgi = spawn(FCGIWRAP!, ['-c', '16', '-s', `unix:${socket}`], { stdio: 'ignore', env: { PATH: process.env.PATH }, detached: true });
  await waitForSocket(socket, fcgi, 'fcgiwrap');
  const config = `
worker_processes auto;
user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  fastcgi_temp_path ${dir}/fastcgi;
  proxy_temp_path ${dir}/proxy;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:${socket};
      fastcgi_buffering off;
      fastcgi_request_buffering off;
      fastcgi_read_timeout 600s;
      fastcgi_param SCRIPT_FILENAME ${HTTP_BACKEND};
      fastcgi_param GIT_PROJECT_ROOT ${projectRoot};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param REMOTE_USER bench;
    }
  }
}
`;
  const configFile = path.join(dir, 'nginx.conf');
  fs.writeFileSync(configFile, config);
  const nginx = spawn(NGINX!, ['-p', dir, '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null) {
      await stopChild(fcgi, true);
      throw new Error(`nginx exited ${nginx.exitCode}: ${stderr.slice(-1000)}`);
    }
    try {
      await (await fetch(`${url}/`)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        await Promise.all([stopChild(nginx), stopChild(fcgi, true)]);
        throw new Error(`nginx did not start: ${stderr.slice(-1000)}`);
      }
      await sleep(50);
    }
  }
  return {
    url,
    async stop() {
      await stopChild(nginx);
      await stopChild(fcgi, true);
    },
  };
}
