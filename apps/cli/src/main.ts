#!/usr/bin/env node
import { runCli } from './cli';

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fedbroker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
