#!/usr/bin/env node
// The installed CLI: runs the built bundle (npm run build). From a clone, `npx tsx src/cli/main.ts` works too.
import { run } from '../dist/cli.js';

process.exitCode = await run(process.argv.slice(2));
