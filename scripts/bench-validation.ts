/**
 * What the validation gate adds to a synth: `npx tsx scripts/bench-validation.ts [runs]`.
 *
 * Each measurement is a fresh process (validators are loaded once per process, so only a cold run
 * shows their cost) that synthesizes the reference fleet (apps/) or the representative fleet
 * (test/fixtures: every kind the add-ons render) into a temporary folder, with the base checks only
 * or with the full gate. Prints medians of the gate's own time and of the whole process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildFleet } from '../apps/fleet';
import { BASE_CHECKS, Check, DEFAULT_CHECKS } from '../lib/synth/checks';
import { synthToDisk } from '../lib/synth/pipeline';
import { representativeFleet } from '../test/fixtures/representative-fleet';

const FLEETS = { reference: buildFleet, representative: representativeFleet };
type FleetName = keyof typeof FLEETS;

/** In the child: one synth; prints the process time at its end and the time spent in the gate's checks. */
function child(fleet: FleetName, mode: 'base' | 'full'): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-validation-'));
  let gate = 0;
  const timed = DEFAULT_CHECKS.map((check): Check => (BASE_CHECKS.includes(check) ? check : (objects) => {
    const start = performance.now();
    try {
      return check(objects);
    } finally {
      gate += performance.now() - start;
    }
  }));
  try {
    const summary = synthToDisk(FLEETS[fleet], root, { checks: mode === 'full' ? timed : BASE_CHECKS });
    const objects = Object.values(summary.objectsByDestination).reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ objects, gate, process: performance.now() }));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function parent(runs: number): void {
  for (const fleet of Object.keys(FLEETS) as FleetName[]) {
    const results: Record<string, Array<{ objects: number; gate: number; process: number }>> = { base: [], full: [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ['base', 'full'] as const) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, 'child', fleet, mode], { encoding: 'utf8' });
        results[mode].push(JSON.parse(out.trim().split('\n').pop() as string));
      }
    }
    const gate = median(results.full.map((r) => r.gate));
    const base = median(results.base.map((r) => r.process));
    const full = median(results.full.map((r) => r.process));
    console.log(`${fleet} fleet, ${results.full[0].objects} objects: gate ${gate.toFixed(0)} ms cold; process ${base.toFixed(0)} ms without the gate, ${full.toFixed(0)} ms with it (+${(full - base).toFixed(0)} ms); median of ${runs}`);
  }
}

if (process.argv[2] === 'child') child(process.argv[3] as FleetName, process.argv[4] as 'base' | 'full');
else parent(Number(process.argv[2] ?? 5));
