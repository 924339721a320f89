import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecDecryptionProvider, KustomizationSpecSourceRefKind } from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { FluxObjectRef } from './refs';

export interface FluxKustomizationProps {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** The source holding the manifests. */
  readonly source: FluxObjectRef;
  /** Path inside the source, starting with `./`. */
  readonly path: string;
  /** Kustomizations that must be ready first. @default [] */
  readonly dependsOn?: readonly FluxObjectRef[];
  /** Health-check everything applied before reporting ready. @default false */
  readonly wait?: boolean;
  /** Delete objects that disappear from the path. @default true */
  readonly prune?: boolean;
  /** Reconcile interval. @default 10m */
  readonly interval?: string;
  /** How long apply and health checks may take. @default 5m */
  readonly timeout?: string;
  /** Retry interval after a failure. @default 1m */
  readonly retryInterval?: string;
  /** Decrypt SOPS-encrypted objects before applying them, with the keys of this Secret in the Kustomization's namespace. @default no decryption */
  readonly sopsSecretRef?: string;
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io/v1) applying one path of a source. */
export class FluxKustomization extends Construct {
  readonly ref: FluxObjectRef;

  constructor(scope: Construct, id: string, props: FluxKustomizationProps) {
    super(scope, id);
    this.node.defaultChild = new Kustomization(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        interval: props.interval ?? '10m',
        retryInterval: props.retryInterval ?? '1m',
        timeout: props.timeout ?? '5m',
        path: props.path,
        prune: props.prune ?? true,
        wait: props.wait ?? false,
        sourceRef: { kind: props.source.kind as KustomizationSpecSourceRefKind, name: props.source.name, namespace: props.source.namespace },
        dependsOn: props.dependsOn?.length ? props.dependsOn.map((d) => ({ name: d.name, namespace: d.namespace })) : undefined,
        decryption: props.sopsSecretRef ? { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: props.sopsSecretRef } } : undefined,
      },
    });
    this.ref = { kind: 'Kustomization', name: props.name, namespace: props.namespace };
  }
}
