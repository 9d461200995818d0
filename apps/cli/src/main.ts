#!/usr/bin/env node
import { text } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli } from './cli';

const interrupted = new AbortController();
process.once('SIGINT', () => {
  interrupted.abort();
  // `audit tail` ends at once on the abort; any other command is stopped here.
  setTimeout(() => process.exit(130), 1_000).unref();
});

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: () => text(process.stdin),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
  signal: interrupted.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fedbroker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
