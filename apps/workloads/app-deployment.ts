import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { Quantity } from '../../imports/k8s';

/** Non-root user and group of the reference workloads (the distroless `nonroot` user). */
const NON_ROOT_ID = 65532;

export interface AppDeploymentProps {
  /** Deployment name; also the `app.kubernetes.io/name` label that selects its pods. */
  readonly name: string;
  /** Namespace (created by the app's component). */
  readonly namespace: string;
  /** Owning team: the `team` label the cluster's policies require on the workload and its pods. */
  readonly team: string;
  /** The container; its security context and pull policy are set here. */
  readonly container: Omit<kplus.ContainerProps, 'securityContext' | 'imagePullPolicy'>;
  /** Volumes the container mounts. @default none */
  readonly volumes?: readonly kplus.Volume[];
  /** RuntimeClass of the pods (cdk8s-plus has no prop for it, cdk8s-plus-34 included). @default the node's default runtime */
  readonly runtimeClassName?: string;
  /** Run only on nodes where this label is "true". @default any node */
  readonly nodeLabel?: string;
  /** Extended resources per pod, such as nvidia.com/gpu (cdk8s-plus, cdk8s-plus-34 included, knows only cpu, memory, ephemeral storage). @default none */
  readonly extendedResources?: Readonly<Record<string, number>>;
  /** How long a stopping pod may finish its work. @default 30s */
  readonly terminationGracePeriod?: Duration;
  /** How a new version replaces the pods. @default rolling update, 25 % surge and 25 % unavailable */
  readonly strategy?: kplus.DeploymentStrategy;
}

/**
 * A cdk8s-plus Deployment as the reference apps ship it: readable labels and selector (never the
 * generated `cdk8s.io/metadata.addr`, which changes when the construct moves and would make the immutable
 * selector unappliable), a non-root, read-only, capability-free container with pinned-image pull policy,
 * and the replica count left to the ScaledObject that scales it.
 */
export function appDeployment(scope: Construct, id: string, props: AppDeploymentProps): kplus.Deployment {
  const labels = { 'app.kubernetes.io/name': props.name, team: props.team };
  const deployment = new kplus.Deployment(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels },
    podMetadata: { labels },
    select: false,
    automountServiceAccountToken: false,
    terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(30),
    strategy: props.strategy,
    securityContext: { ensureNonRoot: true, user: NON_ROOT_ID, group: NON_ROOT_ID, fsGroup: NON_ROOT_ID },
    volumes: props.volumes ? [...props.volumes] : undefined,
    containers: [{
      ...props.container,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      securityContext: {
        ensureNonRoot: true,
        user: NON_ROOT_ID,
        group: NON_ROOT_ID,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: [kplus.Capability.ALL] },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: { 'app.kubernetes.io/name': props.name } }));
  if (props.nodeLabel) deployment.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is(props.nodeLabel, 'true')));

  const resource = ApiObject.of(deployment);
  // cdk8s-plus labels every pod template with its construct address even with select: false.
  resource.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  if (props.runtimeClassName) resource.addJsonPatch(JsonPatch.add('/spec/template/spec/runtimeClassName', props.runtimeClassName));
  for (const [name, amount] of Object.entries(props.extendedResources ?? {})) {
    const key = name.replace(/~/g, '~0').replace(/\//g, '~1');
    // Patches apply before the typed serialization of the Deployment, which reads resources as Quantity objects.
    const quantity = Quantity.fromString(String(amount));
    resource.addJsonPatch(
      JsonPatch.add(`/spec/template/spec/containers/0/resources/requests/${key}`, quantity),
      JsonPatch.add(`/spec/template/spec/containers/0/resources/limits/${key}`, quantity),
    );
  }
  return deployment;
}
