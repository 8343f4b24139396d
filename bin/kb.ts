#!/usr/bin/env node
// Runs on the Node 24 that the `node` devDependency puts first on PATH for npm/npx.
import { main } from '#kb/cli.ts';

process.exitCode = await main(process.argv.slice(2));
