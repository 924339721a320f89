/**
 * Ephemeral containers are added to a running pod (`kubectl debug`, the ephemeralcontainers
 * subresource); the API server refuses them in a pod it creates ("cannot be set on create") and in every
 * pod template ("not allowed in pod template"), although the schemas have the field.
 */
import type { Check } from './check';
import { problemAt } from '../manifest';
import { at, list } from './access';
import { podSpecPath } from './pods';

/** No rendered pod or pod template with ephemeral containers. */
export const noEphemeralContainers: Check = (objects) =>
  objects.flatMap((o) => {
    const spec = podSpecPath(o.manifest.apiVersion, o.manifest.kind);
    if (!spec || !list(at(o.manifest, ...spec, 'ephemeralContainers')).length) return [];
    return [problemAt(o, [...spec, 'ephemeralContainers'], 'the API server refuses ephemeral containers in the pods and pod templates it creates; add them to a running pod (kubectl debug), or make this an init or sidecar container')];
  });
