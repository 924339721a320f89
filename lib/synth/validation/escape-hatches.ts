import { ApiObject } from 'cdk8s';
import { decodePointer } from './access';

/** What cdk8s keeps of an `addJsonPatch` call (a private field of ApiObject and JsonPatch). */
interface PatchedObject {
  readonly patches?: ReadonlyArray<{ readonly operation?: { readonly op?: string; readonly path?: string } }>;
}

function exists(value: unknown, pointer: string): boolean {
  const segments = decodePointer(pointer);
  // Appending to an array ("/items/-") leaves a new last item: the array is what must exist.
  if (segments[segments.length - 1] === '-') segments.pop();
  let cur = value;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return false;
    cur = (cur as Record<string, unknown>)[s];
  }
  return true;
}

/**
 * The paths an object's JSON patches set that its rendered manifest lacks. A typed binding (imports/)
 * renders only the fields its schema has, so a misspelt field added through an escape hatch would
 * vanish without a word; this finds it.
 */
export function droppedPatchesOf(obj: ApiObject, manifest: unknown): string[] {
  const patches = (obj as unknown as PatchedObject).patches ?? [];
  return patches
    .map((p) => p.operation)
    .filter((op) => (op?.op === 'add' || op?.op === 'replace' || op?.op === 'copy' || op?.op === 'move') && typeof op.path === 'string')
    .map((op) => op?.path as string)
    .filter((path) => !exists(manifest, path));
}
