import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSynthCli } from '../lib/synth/cli';
import { checkDrift, formatDrift } from '../lib/synth/drift';
import { synthToDisk } from '../lib/synth/pipeline';
import { snapshotTree, tempDir } from './helpers';
import { reviewFleet } from './review-fleet';

describe('synth --check', () => {
  it('passes on a fresh tree', () => {
    const root = tempDir();
    synthToDisk(reviewFleet(1), root);
    const drift = checkDrift(reviewFleet(1), root);
    expect(drift).toMatchObject({ changed: [], missing: [], extra: [] });
    expect(formatDrift(drift)).toEqual([`check: dist/ and clusters/ match a fresh render (${drift.files} files)`]);
  });

  it('fails on a hand-edited file in dist/, listing it, and writes nothing', () => {
    const root = tempDir();
    synthToDisk(reviewFleet(1), root);
    const file = 'dist/alpha/apps/configmap_web_shop-config.yaml';
    fs.appendFileSync(path.join(root, file), '# tweaked by hand\n');
    const before = snapshotTree(root);
    const drift = checkDrift(reviewFleet(1), root);
    expect(drift).toMatchObject({ changed: [file], missing: [], extra: [] });
    expect(formatDrift(drift)).toEqual([
      'check: dist/ and clusters/ differ from a fresh render in 1 file:',
      `  changed  ${file}`,
      'check failed: run `npm run synth` and commit dist/ and clusters/ with the change that produced them',
    ]);
    expect(snapshotTree(root)).toEqual(before);
  });

  it('fails on a code change without a re-synth, listing changed, missing and extra files', () => {
    const root = tempDir();
    synthToDisk(reviewFleet(1), root);
    const drift = checkDrift(reviewFleet(2), root);
    expect(drift.changed).toContain('dist/alpha/apps/deployment_web_shop.yaml');
    expect(drift.changed).toContain('dist/alpha/talos/schematic.yaml');
    expect(drift.missing).toEqual(['dist/alpha/apps/configmap_web_moved.yaml', 'dist/alpha/apps/deployment_web_worker.yaml', 'dist/beta/controllers/namespace_extra.yaml']);
    expect(drift.extra).toEqual([
      'dist/alpha/apps/configmap_web_obsolete.yaml',
      'dist/alpha/configs/configmap_web_moved.yaml',
      'dist/alpha/configs/validatingpolicy_disallow-latest.yaml',
      'dist/alpha/controllers/helmrelease_web_old-engine.yaml',
      'dist/alpha/controllers/helmrepository_web_old-engine.yaml',
      'dist/alpha/controllers/namespace_legacy.yaml',
    ]);
    expect(formatDrift(drift)).toContain('  missing  dist/beta/controllers/namespace_extra.yaml  (rendered, not on disk)');
    expect(formatDrift(drift)).toContain('  extra    dist/alpha/controllers/namespace_legacy.yaml  (on disk, no longer rendered)');
  });

  it('sets the exit code through `npm run synth -- --check` without writing', () => {
    const root = tempDir();
    synthToDisk(reviewFleet(1), root);
    fs.rmSync(path.join(root, 'dist/beta/controllers/namespace_base.yaml'));
    const before = snapshotTree(root);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      runSynthCli(reviewFleet(1), {}, root, ['--check']);
      expect(process.exitCode).toBe(1);
      expect(error.mock.calls.map((c) => String(c[0]))[0]).toContain('  missing  dist/beta/controllers/namespace_base.yaml  (rendered, not on disk)');
      expect(snapshotTree(root)).toEqual(before);
      process.exitCode = undefined;
      synthToDisk(reviewFleet(1), root);
      runSynthCli(reviewFleet(1), {}, root, ['--check']);
      expect(process.exitCode).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^check: dist\/ and clusters\/ match a fresh render \(\d+ files\)$/)]);
    } finally {
      process.exitCode = undefined;
      error.mockRestore();
      log.mockRestore();
    }
  });
});
