import { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import { FluxObjectRef } from './refs';

export interface GitRepositorySourceProps {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Repository URL. */
  readonly url: string;
  /** Branch to follow. */
  readonly branch: string;
  /** Secret with the Git credentials; omitted for a public repository. */
  readonly secretRef?: string;
  /** How often Flux fetches. @default 1m */
  readonly interval?: string;
  /** What the artifact leaves out, in .sourceignore (gitignore) syntax (`spec.ignore`). @default Flux's default exclusions */
  readonly ignore?: string;
}

/** A Flux GitRepository (source.toolkit.fluxcd.io/v1). */
export class GitRepositorySource extends Construct {
  readonly ref: FluxObjectRef;

  constructor(scope: Construct, id: string, props: GitRepositorySourceProps) {
    super(scope, id);
    this.node.defaultChild = new GitRepository(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        url: props.url,
        ref: { branch: props.branch },
        interval: props.interval ?? '1m',
        secretRef: props.secretRef ? { name: props.secretRef } : undefined,
        ignore: props.ignore,
      },
    });
    this.ref = { kind: 'GitRepository', name: props.name, namespace: props.namespace };
  }
}
