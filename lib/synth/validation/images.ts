/**
 * Pinned images: every container image (and image volume) of a rendered pod spec or template names a
 * version tag other than `latest`, or a digest. An untagged image is `:latest`, which moves: the same
 * commit of dist/ would run different code from one pull to the next. In HelmRelease values, where
 * charts split images their own ways and an empty tag means the chart's pinned appVersion, only an
 * explicit `latest` is refused (`tag: latest`, `imageTag: latest`, `image: nginx:latest`).
 */
import { Problem } from '../../errors';
import type { Check } from './check';
import { problemAt, RenderedObject } from '../manifest';
import { at, list, Path, record } from './access';
import { isHelmRelease } from './helm';
import { containersOf, podSpecPath } from './pods';

/** `@algorithm:hex`, as the OCI image spec writes a digest. */
const DIGEST = /@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** What is wrong with an image reference, or undefined when it is pinned. */
export function unpinnedImage(image: unknown): string | undefined {
  if (typeof image !== 'string') return image === undefined ? 'no image; name one with a version tag or a digest' : undefined; // another type: the schema check
  if (DIGEST.test(image)) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  // A colon before the last slash is a registry port (localhost:5000/web), not a tag.
  const repository = colon > slash ? image.slice(0, colon) : image;
  const tag = colon > slash ? image.slice(colon + 1) : undefined;
  const pin = `pin a version tag (${repository}:1.2.3) or a digest (${repository}@sha256:…) so the output is reproducible`;
  if (tag === undefined) return `${JSON.stringify(image)} has no tag, so it runs whatever :latest is at pull time; ${pin}`;
  if (tag === 'latest') return `${JSON.stringify(image)} is tagged latest, which moves; ${pin}`;
  return undefined;
}

function imageProblems(o: RenderedObject): Problem[] {
  const spec = podSpecPath(o.manifest.apiVersion, o.manifest.kind);
  if (!spec) return [];
  const images: Array<[unknown, Path]> = [
    ...containersOf(o.manifest).map(({ container, path }): [unknown, Path] => [container.image, [...path, 'image']]),
    ...list(at(o.manifest, ...spec, 'volumes')).flatMap((v, i): Array<[unknown, Path]> =>
      at(v, 'image') === undefined ? [] : [[at(v, 'image', 'reference'), [...spec, 'volumes', i, 'image', 'reference']]]),
  ];
  return images.flatMap(([image, path]) => {
    const wrong = unpinnedImage(image);
    return wrong ? [problemAt(o, path, wrong)] : [];
  });
}

/** Keys of chart values that hold an image's tag, or a whole image reference. */
const TAG_KEY = /^(?:tag|imageTag|image\.tag)$/;
const IMAGE_KEY = /^(?:image|[A-Za-z]+Image)$/;

/** Values that ask a chart for a `latest` image. */
function latestInValues(value: unknown, path: Array<string | number>, report: (path: Path, message: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => latestInValues(v, [...path, i], report));
    return;
  }
  for (const [key, v] of Object.entries(record(value) ?? {})) {
    if (typeof v === 'string' && ((TAG_KEY.test(key) && v === 'latest') || (IMAGE_KEY.test(key) && v.endsWith(':latest')))) {
      report([...path, key], `${JSON.stringify(v)} asks the chart for a latest image, which moves; pin a version tag or a digest, or leave the tag to the chart's pinned appVersion`);
    } else latestInValues(v, [...path, key], report);
  }
}

function valuesProblems(o: RenderedObject): Problem[] {
  if (!isHelmRelease(o.manifest)) return [];
  const problems: Problem[] = [];
  latestInValues(at(o.manifest, 'spec', 'values'), ['spec', 'values'], (path, message) => problems.push(problemAt(o, path, message)));
  return problems;
}

/** Every image of every pod spec and template pinned, and no chart values asking for latest. */
export const pinnedImages: Check = (objects) => objects.flatMap((o) => [...imageProblems(o), ...valuesProblems(o)]);
