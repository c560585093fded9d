#!/usr/bin/env node
// The `bindery` CLI: runs client/cli.ts through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../client/cli.ts');
