// V8's optimizing compiler (TurboFan) on or off for this agent: --optimizing-compiler
// auto|on|off, decided once at start. With it off, V8 still compiles every function to
// bytecode and hot ones to baseline machine code (Sparkplug); it only stops making optimized
// code. On a host with one CPU that compiler's thread takes the CPU the apply and the RPC
// answers need, and an apply of a few thousand services ends before the optimized code pays
// for its compilation: off there, a 2,000 × 10 load took 0.34 s against 0.58–0.84 s on, and
// one weight 0.12 s against 0.14–0.20 s (a 2-core host, the agent held to one CPU); at
// 20,000 × 10 the optimized code wins (one weight 0.9 s on, 1.4 s off). docs/director.md,
// "At 20,000 services", has the figures and the lab's.
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { OPTIMIZING_COMPILER_CHOICES } from '../lvs/agent-options';

export { OPTIMIZING_COMPILER_CHOICES };
export type OptimizingCompilerChoice = (typeof OPTIMIZING_COMPILER_CHOICES)[number];

export interface OptimizingCompilerDecision {
  on: boolean;
  /** why, for the log: the option as given, or what auto saw */
  reason: string;
}

/** What `choice` means on a host that gives the agent `cpus` CPUs. Pure. */
export function decideOptimizingCompiler(choice: OptimizingCompilerChoice, cpus: number): OptimizingCompilerDecision {
  if (choice !== 'auto') return { on: choice === 'on', reason: `--optimizing-compiler ${choice}` };
  return cpus <= 1
    ? { on: false, reason: 'auto: one CPU, where its compilations take the CPU from the apply' }
    : { on: true, reason: `auto: ${cpus} CPUs` };
}

/** "off (auto: one CPU, …)": how the agent's start line says it. */
export function describeOptimizingCompiler(decision: OptimizingCompilerDecision): string {
  return `${decision.on ? 'on' : 'off'} (${decision.reason})`;
}

/**
 * Decides for this host and sets V8's flag when the compiler goes off. Called before the
 * agent's own work starts: V8 reads the flag each time it considers optimizing a function,
 * so nothing compiled before is touched (the same door agent/idle-collect.ts uses for gc).
 */
export function setOptimizingCompiler(
  choice: OptimizingCompilerChoice,
  cpus: number = availableParallelism(),
  setFlags: (flags: string) => void = setFlagsFromString,
): OptimizingCompilerDecision {
  const decision = decideOptimizingCompiler(choice, cpus);
  if (!decision.on) setFlags('--no-turbofan');
  return decision;
}
