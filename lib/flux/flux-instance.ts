import { Construct } from 'constructs';
import {
  FluxInstance,
  FluxInstanceSpecClusterType,
  FluxInstanceSpecComponents,
  FluxInstanceSpecSyncKind,
} from '../../imports/fluxinstances-fluxcd.controlplane.io';
import { KUBERNETES_VERSION_ANNOTATION, TALOS_VERSION_ANNOTATION } from '../synth/labels';
import { toYaml } from '../synth/yaml';
import { FluxObjectRef } from './refs';

/** The only name the FluxInstance CRD accepts (a CEL rule of the CRD). */
export const FLUX_INSTANCE_NAME = 'flux';


/**
 * The controllers `flux bootstrap` installs by default; the image automation controllers stay off,
 * nothing in the fleet uses them.
 */
export const FLUX_COMPONENTS: readonly FluxInstanceSpecComponents[] = [
  FluxInstanceSpecComponents.SOURCE_HYPHEN_CONTROLLER,
  FluxInstanceSpecComponents.KUSTOMIZE_HYPHEN_CONTROLLER,
  FluxInstanceSpecComponents.HELM_HYPHEN_CONTROLLER,
  FluxInstanceSpecComponents.NOTIFICATION_HYPHEN_CONTROLLER,
];

export interface FluxInstanceSyncProps {
  /** Namespace of the operator, the instance and the sync objects. */
  readonly namespace: string;
  /** The Flux distribution: exact version and image registry. */
  readonly distribution: { readonly version: string; readonly registry: string };
  /** The repository the instance syncs from, the path in it, and the Secret with its credentials. */
  readonly sync: {
    readonly url: string;
    readonly branch: string;
    readonly path: string;
    readonly secretRef: string;
    readonly interval?: string;
    /** `spec.ignore` of the GitRepository the operator creates (.sourceignore syntax). @default fetch everything */
    readonly ignore?: string;
  };
  /** Kubernetes and Talos minors of the cluster, recorded as annotations for the review. */
  readonly versions: { readonly kubernetes: string; readonly talos: string };
}

/**
 * The Flux Operator's FluxInstance (fluxcd.controlplane.io/v1) `flux`: the Flux distribution it installs
 * and upgrades, and its sync. With `spec.sync` the operator itself creates the GitRepository and
 * Kustomization named after the namespace (`flux-system`, as `flux bootstrap` names them) once Flux runs;
 * `sourceRef` is that GitRepository, for the Kustomizations that read the same repository.
 */
export class FluxInstanceSync extends Construct {
  /** The GitRepository the operator creates from `spec.sync`. */
  readonly sourceRef: FluxObjectRef;

  constructor(scope: Construct, id: string, props: FluxInstanceSyncProps) {
    super(scope, id);
    new FluxInstance(this, 'resource', {
      metadata: {
        name: FLUX_INSTANCE_NAME,
        namespace: props.namespace,
        annotations: {
          // Removing the cluster's folder, or this file, must not have Flux prune its own installer: the
          // operator would then uninstall Flux. Deleting Flux is a deliberate act, never a side effect of a commit.
          'kustomize.toolkit.fluxcd.io/prune': 'disabled',
          [KUBERNETES_VERSION_ANNOTATION]: props.versions.kubernetes,
          [TALOS_VERSION_ANNOTATION]: props.versions.talos,
        },
      },
      spec: {
        distribution: { version: props.distribution.version, registry: props.distribution.registry },
        components: [...FLUX_COMPONENTS],
        cluster: { type: FluxInstanceSpecClusterType.KUBERNETES, multitenant: false, networkPolicy: true, domain: 'cluster.local' },
        sync: {
          kind: FluxInstanceSpecSyncKind.GIT_REPOSITORY,
          url: props.sync.url,
          ref: `refs/heads/${props.sync.branch}`,
          path: props.sync.path,
          pullSecret: props.sync.secretRef,
          interval: props.sync.interval ?? '1m',
        },
        // spec.sync has no ignore field: the operator applies these patches to the sync objects it generates.
        ...(props.sync.ignore !== undefined ? {
          kustomize: {
            patches: [{
              target: { kind: 'GitRepository', name: props.namespace },
              patch: toYaml([{ op: 'add', path: '/spec/ignore', value: props.sync.ignore }]),
            }],
          },
        } : {}),
      },
    });
    this.sourceRef = { kind: 'GitRepository', name: props.namespace, namespace: props.namespace };
  }
}
