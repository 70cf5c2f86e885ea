// The list of lvsctl's commands, in the order --help shows them.
import type { Command } from 'commander';
import { register as validate } from './validate';
import { register as schema } from './schema';
import { register as render } from './render';
import { register as importPlan } from './import';
import { register as rollout } from './rollout';
import { register as health } from './health';
import { register as status } from './status';
import { register as connections } from './connections';
import { register as certs } from './certs';
import { register as bootstrap } from './bootstrap';
import { register as completion } from './completion';

export function registerCommands(program: Command): void {
  for (const register of [validate, schema, render, importPlan, rollout, health, status, connections, certs, bootstrap, completion]) {
    register(program);
  }
}
