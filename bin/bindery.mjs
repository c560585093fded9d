#!/usr/bin/env node
// The `bindery` CLI: runs cli/main.ts through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
