import readline from 'node:readline';
import { GitgateError } from '../lib/errors.js';

/** Reads a password from stdin (the first line), for --password-stdin. */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.split(/\r?\n/)[0] ?? '';
}

/** Asks twice with echo off on a TTY; refuses clearly when there is no TTY. */
export async function promptNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new GitgateError('invalid', 'no_tty', 'no terminal to prompt for a password: use --password-stdin');
  }
  const first = await askHidden('Password: ');
  const second = await askHidden('Confirm password: ');
  if (first !== second) throw new GitgateError('invalid', 'password_mismatch', 'passwords do not match');
  return first;
}

function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => {}; // echo off
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  return fromStdin ? readPasswordFromStdin() : promptNewPassword();
}
