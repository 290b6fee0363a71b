import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import type selfsignedModule from 'selfsigned';
import { GitgateError } from '../lib/errors.js';

export interface SelfSignedCert {
  /** PEM certificate: what clients trust (SSL_CERT_FILE, GIT_SSL_CAINFO) and `--tls-cert` serves. */
  cert: string;
  /** PEM private key for `--tls-key`. */
  key: string;
  /** The names the certificate is valid for. */
  names: string[];
}

// selfsigned pulls in node-forge: loaded (synchronously, it is CommonJS) only when a certificate is
// made, never by `gitgate serve` or the other commands, which share this module graph.
const require = createRequire(import.meta.url);
const loadSelfsigned = (): typeof selfsignedModule => require('selfsigned') as typeof selfsignedModule;

const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A self-signed certificate for trying Gitgate over HTTPS on one machine: valid for `host`,
 * `localhost` and `127.0.0.1`, RSA 2048 with SHA-256, for `days` days. No openssl binary needed.
 */
export function generateSelfSignedCert(host: string, options: { days?: number } = {}): SelfSignedCert {
  if (!net.isIP(host) && !DNS_NAME.test(host)) {
    throw new GitgateError('invalid', 'cert_host_invalid', `--host must be a DNS name or an IP address, got "${host}"`);
  }
  const names = [...new Set([host.toLowerCase(), 'localhost', '127.0.0.1'])];
  const altNames = names.map((name) => (net.isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
  // node:crypto makes the key (native, fast); selfsigned (node-forge) builds and signs the certificate.
  const keyPair = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const selfsigned = loadSelfsigned();
  const certOptions: Parameters<typeof selfsigned.generate>[1] & { keyPair: { privateKey: string; publicKey: string } } = {
    keyPair,
    days: options.days ?? 365,
    algorithm: 'sha256',
    extensions: [
      // A leaf, not a CA: clients that are told to trust this file trust exactly this certificate.
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  };
  const generated = selfsigned.generate([{ name: 'commonName', value: host }, { name: 'organizationName', value: 'Gitgate self-signed' }], certOptions);
  return { cert: generated.cert, key: keyPair.privateKey, names };
}

export function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description('TLS certificates for serving HTTPS');

  cert
    .command('self-signed')
    .description('write a self-signed certificate and key (for trying Gitgate over HTTPS on one machine)')
    .requiredOption('--host <name>', 'the host name clients use (also valid: localhost, 127.0.0.1)')
    .option('--out <dir>', 'directory for cert.pem and key.pem', '.')
    .option('--days <n>', 'days of validity', '365')
    .option('--force', 'overwrite existing files')
    .action((opts: { host: string; out: string; days: string; force?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new GitgateError('invalid', 'cert_days_invalid', `--days must be a whole number from 1 to 3650, got ${opts.days}`);
      const certFile = path.resolve(opts.out, 'cert.pem');
      const keyFile = path.resolve(opts.out, 'key.pem');
      if (!opts.force) {
        for (const file of [certFile, keyFile]) {
          if (fs.existsSync(file)) throw new GitgateError('conflict', 'cert_exists', `${file} already exists (use --force to replace it)`);
        }
      }
      const generated = generateSelfSignedCert(opts.host, { days });
      fs.mkdirSync(path.resolve(opts.out), { recursive: true });
      fs.writeFileSync(keyFile, generated.key, { mode: 0o600 });
      fs.chmodSync(keyFile, 0o600);
      fs.writeFileSync(certFile, generated.cert, { mode: 0o644 });
      process.stdout.write(
        [
          `wrote ${certFile} (valid ${days} days for ${generated.names.join(', ')})`,
          `wrote ${keyFile} (keep it private)`,
          '',
          `serve:      gitgate serve --tls-cert ${certFile} --tls-key ${keyFile}`,
          `trust (gh): export SSL_CERT_FILE=${certFile}`,
          `trust (git): export GIT_SSL_CAINFO=${certFile}`,
          `         or: git config --global http.https://${opts.host}:<port>/.sslCAInfo ${certFile}`,
          '',
        ].join('\n'),
      );
    });
}
