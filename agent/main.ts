#!/usr/bin/env node
// PLACEHOLDER: lvsctl-agent is being built; replace this file.
process.stderr.write('lvsctl-agent: not built yet\n');
process.exitCode = 1;
