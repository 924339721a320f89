/**
 * Reusing the committed bootstrap Terraform JSON while nothing it is made from changed, so that a synth
 * loads CDK for Terraform (a third of the synth's code, and most of a cluster's render time) only when a
 * bootstrap really changes. A generic wrapper: it knows nothing of what the stack contains.
 *
 * The file records, in a Terraform JSON comment (a `"//"` property, which Terraform and OpenTofu ignore),
 * a hash of the stack's inputs and one of the rest of the file. It is reused when both match. The inputs
 * are the values the caller passes (the spec, the CDKTF versions) and the source of this folder and of
 * the project files it imports, so an edit of the stack's code is a miss too; the second hash makes a
 * hand-edited file a miss. On a miss the stack is synthesized as before and the comment added: the bytes
 * are the same as a full synth's (test/bootstrap.test.ts). `npm run check`, `npm run diff` and the tests
 * never reuse a file; they synthesize each stack once per process (the same inputs give the same bytes).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { previousOutput } from '../synth/previous';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const COMMENT = /^\{\n {2}"\/\/": "talos-flux-synth: inputs sha256:([0-9a-f]{64}), content sha256:([0-9a-f]{64})",\n/;

/**
 * The Terraform JSON at `rel` (root-relative): the previous output's file when its inputs and content
 * hashes match, else `synth()` with the comment added.
 * @param inputs everything the stack is made from besides code: JSON-serializable, deterministic
 */
export function reusableTerraformJson(rel: string, inputs: unknown, synth: () => string): string {
  const inputsHash = sha256(`${codeFingerprint()}\0${JSON.stringify(inputs)}`);
  const previous = previousOutput(rel);
  const m = previous ? COMMENT.exec(previous) : null;
  if (previous && m && m[1] === inputsHash && m[2] === sha256(`{\n${previous.slice(m[0].length)}`)) return previous;
  // By file too: this wrapper knows nothing of what it is given to synthesize.
  const key = `${rel}\0${inputsHash}`;
  let json = synthesized.get(key);
  if (json === undefined) {
    json = withComment(synth(), inputsHash);
    synthesized.set(key, json);
  }
  return json;
}

/**
 * The stacks this process synthesized, by file and inputs hash: the same inputs give the same bytes, so a
 * stack is synthesized once per process (`npm run diff` renders the base and the head fleet; tests render
 * the same cluster many times).
 */
const synthesized = new Map<string, string>();

/** The comment as the first property of the (two-space indented) JSON object CDKTF writes. */
function withComment(json: string, inputsHash: string): string {
  if (!json.startsWith('{\n  "')) throw new Error(`bootstrap: unexpected Terraform JSON layout (${JSON.stringify(json.slice(0, 20))})`);
  return `{\n  "//": "talos-flux-synth: inputs sha256:${inputsHash}, content sha256:${sha256(json)}",\n${json.slice(2)}`;
}

let fingerprint: string | undefined;

/**
 * This folder's sources and the project files they import (one level: versions, values, the YAML writer).
 * Line endings are normalized, so a Windows checkout hashes the same.
 */
function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const files = new Set<string>();
  for (const name of fs.readdirSync(__dirname).filter((f) => f.endsWith('.ts')).sort()) {
    const file = path.join(__dirname, name);
    files.add(file);
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) files.add(`${path.resolve(__dirname, spec)}.ts`);
  }
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n') : '';
    hash.update(`${path.relative(__dirname, file).split(path.sep).join('/')}\0${text}\0`);
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}
