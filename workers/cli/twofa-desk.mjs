#!/usr/bin/env node
// The `twofa-desk` command (package.json "bin"): runs the TypeScript CLI through tsx, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
