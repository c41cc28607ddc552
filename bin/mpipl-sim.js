#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
import { runCli } from '../dist/sim/cli/main.js';

// A reader that goes away (`mpipl-sim inspect t.mpt | head`) is not an error of ours: stop
// quietly instead of dying with a stack trace on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
});
