#!/usr/bin/env node
// Installed entry point: the bundled CLI (built by `npm run build:cli`).
import { main } from '../dist/cli/index.js';

await main();
