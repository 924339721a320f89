import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { buildFleet } from '../apps/fleet';
import { OUTPUT_DIRS } from '../lib/synth/files';
import { synthesize } from '../lib/synth/pipeline';
import { diffTree } from '../lib/synth/write';
import { tempDir } from './helpers';
import { synthToDisk } from '../lib/synth/pipeline';

const result = synthesize(buildFleet);
const root = path.resolve(__dirname, '..');

describe('reference fleet', () => {
  it('renders catalyst and hybrid-llm', () => {
    expect(result.clusters).toEqual(['catalyst', 'hybrid-llm']);
  });

  it.each(['catalyst', 'hybrid-llm'])('matches the snapshot of %s', (cluster) => {
    const files = Object.fromEntries([...result.files].filter(([rel]) => rel.startsWith(`dist/${cluster}/`) || rel.startsWith(`clusters/${cluster}/`)));
    expect(files).toMatchSnapshot();
  });

  it('equals the committed dist/ and clusters/ (run `npm run synth` and commit the output)', () => {
    const diff = diffTree(root, OUTPUT_DIRS, result.files);
    expect({ added: diff.added, changed: diff.changed, removed: diff.removed }).toEqual({ added: [], changed: [], removed: [] });
  });
});

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(kubectl ? describe : describe.skip)('kubectl kustomize', () => {
  const out = tempDir();
  synthToDisk(buildFleet, out);
  const paths = [...result.files.keys()].filter((rel) => rel.endsWith('/kustomization.yaml')).map((rel) => path.dirname(rel));

  it.each(paths)('builds %s', (rel) => {
    const built = execFileSync('kubectl', ['kustomize', path.join(out, rel)], { encoding: 'utf8' });
    const resources = (result.files.get(`${rel}/kustomization.yaml`) ?? '').split('\n').filter((l) => l.startsWith('  - ')).length;
    expect(built.split(/^---$/m).filter((d) => d.trim()).length).toBe(resources);
  });
});
