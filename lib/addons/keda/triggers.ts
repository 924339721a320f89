/**
 * The typed KEDA triggers and how they render: metadata keys and value formats as KEDA 2.20's scalers
 * parse them (pkg/scalers/*_scaler.go), every value a string.
 */
import { z } from 'zod';
import { ScaledObjectSpecTriggers } from '../../../imports/scaledobjects-keda.sh';
import { showValue } from '../../errors';
import { cronError, httpUrl, isQuantity, timeZone } from '../../validators';
import { ClusterTriggerAuthentication } from './cluster-trigger-authentication';
import { TriggerAuthentication } from './trigger-authentication';

/** The TriggerAuthentication a trigger uses: the construct itself, or its kind and name. */
export type AuthenticationRef =
  | TriggerAuthentication
  | ClusterTriggerAuthentication
  | { readonly kind?: 'TriggerAuthentication' | 'ClusterTriggerAuthentication'; readonly name: string };

/** How a target compares: per replica (AverageValue) or for the whole workload (Value). */
export type TargetMetricType = 'AverageValue' | 'Value';

/** What every trigger may set. */
export interface TriggerOptions {
  /** Trigger name, unique within the ScaledObject; names its metric. @default none */
  readonly name?: string;
  /** Whether the metrics server answers the HPA from the last poll instead of asking the scaler again. @default false */
  readonly useCachedMetrics?: boolean;
}

/** Scales on the result of a PromQL query. */
export interface PrometheusTrigger extends TriggerOptions {
  readonly type: 'prometheus';
  /** Address of the Prometheus HTTP API, such as `http://prometheus.monitoring:9090`. */
  readonly serverAddress: string;
  /** PromQL query that returns a single element. */
  readonly query: string;
  /** Target value of the query: per replica with AverageValue, for the workload with Value. */
  readonly threshold: number | string;
  /** Value above which the trigger is active (scales up from zero). @default 0 */
  readonly activationThreshold?: number | string;
  /** Whether an empty result counts as 0 (true) or as a failure that can start the fallback (false). @default true */
  readonly ignoreNullValues?: boolean;
  /** Which credentials of the authenticationRef to use. @default none */
  readonly authModes?: ReadonlyArray<'basic' | 'bearer' | 'tls' | 'custom'>;
  /** How the threshold compares. @default AverageValue */
  readonly metricType?: TargetMetricType;
  /** Credentials for Prometheus. @default none */
  readonly authenticationRef?: AuthenticationRef;
}

/** Asks for a number of replicas inside a time window. */
export interface CronTrigger extends TriggerOptions {
  readonly type: 'cron';
  /** IANA time zone of start and end, such as `America/New_York`. */
  readonly timezone: string;
  /** When the window opens: a five-field cron expression. */
  readonly start: string;
  /** When the window closes: a five-field cron expression. */
  readonly end: string;
  /** Replicas while the window is open. */
  readonly desiredReplicas: number;
}

/** Scales on the length or message rate of a RabbitMQ queue. */
export interface RabbitMqTrigger extends TriggerOptions {
  readonly type: 'rabbitmq';
  /** Queue name. */
  readonly queueName: string;
  /** What `value` measures: messages in the queue, or messages published per second (http protocol). */
  readonly mode: 'QueueLength' | 'MessageRate';
  /** Target value per replica. */
  readonly value: number | string;
  /** Value above which the trigger is active. @default 0 */
  readonly activationValue?: number | string;
  /** How KEDA reads the queue: AMQP, the management API (http), or what the host URL says. @default auto */
  readonly protocol?: 'auto' | 'amqp' | 'http';
  /** Virtual host, overriding the one in the connection string. @default the connection string's */
  readonly vhostName?: string;
  /** Environment variable of the target's container holding the connection string. @default none: authenticationRef gives `host` */
  readonly hostFromEnv?: string;
  /** How the value compares. @default AverageValue */
  readonly metricType?: TargetMetricType;
  /** Supplies the `host` connection string (it holds credentials, so never inline). @default none: hostFromEnv gives it */
  readonly authenticationRef?: AuthenticationRef;
}

/** Scales on the consumer-group lag of a Kafka topic. */
export interface KafkaTrigger extends TriggerOptions {
  readonly type: 'kafka';
  /** Brokers, as host:port. */
  readonly bootstrapServers: readonly string[];
  /** Consumer group whose lag counts. */
  readonly consumerGroup: string;
  /** Topic. @default every topic the group consumes */
  readonly topic?: string;
  /** Target lag per replica (a whole number). @default 10 */
  readonly lagThreshold?: number | string;
  /** Lag above which the trigger is active (a whole number). @default 0 */
  readonly activationLagThreshold?: number | string;
  /** Where a group without a committed offset starts. @default latest */
  readonly offsetResetPolicy?: 'latest' | 'earliest';
  /** Whether to scale beyond the partition count. @default false */
  readonly allowIdleConsumers?: boolean;
  /** How the lag compares. @default AverageValue */
  readonly metricType?: TargetMetricType;
  /** SASL or TLS settings. @default none */
  readonly authenticationRef?: AuthenticationRef;
}

/** Scales on the CPU or memory use of the target's pods (through the metrics API, like an HPA). */
export interface ResourceTrigger extends TriggerOptions {
  readonly type: 'cpu' | 'memory';
  /** Utilization: `value` is a percentage of the requests; AverageValue: a quantity per pod. */
  readonly metricType: 'Utilization' | 'AverageValue';
  /** Target: a whole percentage (Utilization) or a quantity such as 500m or 512Mi (AverageValue). */
  readonly value: number | string;
  /** Only this container counts. @default all containers of the pod */
  readonly containerName?: string;
}

/** Any other KEDA scaler, by its trigger type and metadata: the escape hatch. */
export interface GenericTrigger extends TriggerOptions {
  readonly type: 'generic';
  /** The KEDA scaler (its trigger `type`), such as `aws-sqs-queue` or `redis`. */
  readonly scaler: string;
  /** The scaler's metadata as KEDA documents it. Secrets belong in a TriggerAuthentication, never here. */
  readonly metadata: Readonly<Record<string, string>>;
  /** How the target compares. @default AverageValue */
  readonly metricType?: TargetMetricType | 'Utilization';
  /** Credentials the scaler reads. @default none */
  readonly authenticationRef?: AuthenticationRef;
}

export type ScaledObjectTrigger = PrometheusTrigger | CronTrigger | RabbitMqTrigger | KafkaTrigger | ResourceTrigger | GenericTrigger;

/** The scalers with a typed trigger above; the generic trigger refers users to them. */
const TYPED_SCALERS = ['prometheus', 'cron', 'rabbitmq', 'kafka', 'cpu', 'memory'];

// ---- values -----------------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The number a metadata value stands for, or NaN. */
function numberOf(v: number | string): number {
  return typeof v === 'number' ? v : DECIMAL.test(v.trim()) ? Number(v) : NaN;
}

/** A number given as a number or a numeric string, as KEDA's scalers parse their thresholds. */
const numeric = (rules: { positive?: boolean; integer?: boolean } = {}) =>
  z.union([z.number(), z.string()], { error: (iss) => `${showValue(iss.input)} is not a number (for example 5 or "2.5")` })
    .superRefine((v, ctx) => {
      const n = numberOf(v);
      const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (!Number.isFinite(n)) fail(`${showValue(v)} is not a number (for example 5 or "2.5")`);
      else if (rules.integer && !Number.isInteger(n)) fail(`${showValue(v)} is not a whole number`);
      else if (rules.positive && n <= 0) fail(`${showValue(v)} must be greater than 0`);
      else if (n < 0) fail(`${showValue(v)} must not be negative`);
    });

// KEDA's cron scaler parses five fields only (robfig/cron without descriptors), unlike CronJobs.
const kedaCron = () =>
  z.string().superRefine((s, ctx) => {
    const err = s.trim().startsWith('@') ? 'KEDA takes five fields (minute hour day-of-month month day-of-week), not a descriptor' : cronError(s);
    if (err) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a valid cron expression: ${err}` });
  });

const nonEmpty = (what: string) => z.string().trim().min(1, { error: `${what} must not be empty` });
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

// Shapes are checked here; the ScaledObject resolves references (its scope knows the namespace and cluster).
const authRef = z.custom<AuthenticationRef>(
  (v) => v instanceof TriggerAuthentication || v instanceof ClusterTriggerAuthentication ||
    (typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string'),
  { error: 'expected a TriggerAuthentication, a ClusterTriggerAuthentication or { kind, name }' },
);

const options = {
  name: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a trigger name (letters, digits, '-', '_' and '.')` }).optional(),
  useCachedMetrics: z.boolean().optional(),
};
const metricType = z.enum(['AverageValue', 'Value']).optional();

const prometheus = z.strictObject({
  type: z.literal('prometheus'),
  ...options,
  serverAddress: httpUrl(),
  query: nonEmpty('the query'),
  threshold: numeric({ positive: true }),
  activationThreshold: numeric().optional(),
  ignoreNullValues: z.boolean().optional(),
  authModes: z.array(z.enum(['basic', 'bearer', 'tls', 'custom'])).min(1).optional(),
  metricType,
  authenticationRef: authRef.optional(),
});

const cron = z.strictObject({
  type: z.literal('cron'),
  ...options,
  timezone: timeZone(),
  start: kedaCron(),
  end: kedaCron(),
  desiredReplicas: z.number().int().min(1, { error: (iss) => `${showValue(iss.input)} is not a replica count of 1 or more` }),
}).superRefine((t, ctx) => {
  if (t.start.trim().split(/\s+/).join(' ') === t.end.trim().split(/\s+/).join(' ')) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `${JSON.stringify(t.end)} is the same as start; a cron window needs different start and end` });
  }
});

const rabbitmq = z.strictObject({
  type: z.literal('rabbitmq'),
  ...options,
  queueName: nonEmpty('the queue name'),
  mode: z.enum(['QueueLength', 'MessageRate']),
  value: numeric({ positive: true }),
  activationValue: numeric().optional(),
  protocol: z.enum(['auto', 'amqp', 'http']).optional(),
  vhostName: nonEmpty('the vhost name').optional(),
  hostFromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not an environment variable name` }).optional(),
  metricType,
  authenticationRef: authRef.optional(),
}).superRefine((t, ctx) => {
  if ((t.hostFromEnv === undefined) === (t.authenticationRef === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['authenticationRef'], message: 'give exactly one of authenticationRef (with the host parameter from a Secret) and hostFromEnv: the connection string holds credentials' });
  }
  if (t.mode === 'MessageRate' && t.protocol === 'amqp') {
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'MessageRate is read from the management API: use protocol http (or auto with an http host)' });
  }
});

const kafka = z.strictObject({
  type: z.literal('kafka'),
  ...options,
  bootstrapServers: z.array(z.string().regex(HOST_PORT, { error: (iss) => `${JSON.stringify(iss.input)} is not a broker address host:port` }))
    .min(1, { error: 'list at least one broker' }),
  consumerGroup: nonEmpty('the consumer group'),
  topic: nonEmpty('the topic').optional(),
  lagThreshold: numeric({ positive: true, integer: true }).optional(),
  activationLagThreshold: numeric({ integer: true }).optional(),
  offsetResetPolicy: z.enum(['latest', 'earliest']).optional(),
  allowIdleConsumers: z.boolean().optional(),
  metricType,
  authenticationRef: authRef.optional(),
});

const resource = (type: 'cpu' | 'memory') => z.strictObject({
  type: z.literal(type),
  ...options,
  metricType: z.enum(['Utilization', 'AverageValue']),
  value: z.union([z.number(), z.string()]),
  containerName: z.string().min(1).optional(),
}).superRefine((t, ctx) => {
  const ok = t.metricType === 'Utilization'
    ? Number.isInteger(numberOf(t.value)) && numberOf(t.value) > 0
    : (typeof t.value === 'number' ? t.value > 0 : isQuantity(t.value) && !t.value.startsWith('-'));
  if (!ok) {
    const want = t.metricType === 'Utilization' ? 'a whole percentage above 0, such as 70' : 'a quantity such as 500m or 512Mi';
    ctx.addIssue({ code: 'custom', path: ['value'], message: `${showValue(t.value)} is not ${want}` });
  }
});

const generic = z.strictObject({
  type: z.literal('generic'),
  ...options,
  scaler: z.string().regex(/^[a-z0-9][-a-z0-9.]*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a KEDA scaler type such as aws-sqs-queue` })
    .refine((s) => !TYPED_SCALERS.includes(s), { error: (iss) => `use the typed ${String(iss.input)} trigger (type: '${String(iss.input)}') instead of a generic one` }),
  metadata: z.record(z.string(), z.string()),
  metricType: z.enum(['AverageValue', 'Value', 'Utilization']).optional(),
  authenticationRef: authRef.optional(),
});

/** The zod schema of one trigger. */
export const triggerSchema = z.discriminatedUnion('type', [prometheus, cron, rabbitmq, kafka, resource('cpu'), resource('memory'), generic], {
  error: (iss) => `unknown trigger type ${showValue((iss.input as { type?: unknown } | undefined)?.type)}; use prometheus, cron, rabbitmq, kafka, cpu, memory or generic`,
});

// ---- rendering --------------------------------------------------------------------------------------

type Metadata = Record<string, string | number | boolean | readonly string[] | undefined>;

/** KEDA metadata: every value a string, lists comma-separated, unset keys left out. */
function metadataOf(fields: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v.trim() : String(v);
  }
  return out;
}

/** Whether the trigger scales on the pods' own CPU or memory. */
export function isResourceTrigger(t: ScaledObjectTrigger): t is ResourceTrigger {
  return t.type === 'cpu' || t.type === 'memory';
}

/** The metric type a trigger renders with (explicit, so fallback eligibility is visible). */
export function metricTypeOf(t: ScaledObjectTrigger): string {
  return ('metricType' in t && t.metricType) || 'AverageValue';
}

/** One trigger as KEDA reads it, without its authenticationRef (the ScaledObject resolves that). */
export function renderTrigger(t: ScaledObjectTrigger): Omit<ScaledObjectSpecTriggers, 'authenticationRef'> {
  return { type: scalerOf(t), name: t.name, useCachedMetrics: t.useCachedMetrics, metricType: metricTypeOf(t), metadata: metadataFor(t) };
}

function scalerOf(t: ScaledObjectTrigger): string {
  return t.type === 'generic' ? t.scaler : t.type;
}

function metadataFor(t: ScaledObjectTrigger): Record<string, string> {
  switch (t.type) {
    case 'prometheus':
      return metadataOf({
        serverAddress: t.serverAddress, query: t.query, threshold: t.threshold, activationThreshold: t.activationThreshold,
        ignoreNullValues: t.ignoreNullValues, authModes: t.authModes,
      });
    case 'cron':
      return metadataOf({ timezone: t.timezone, start: t.start, end: t.end, desiredReplicas: t.desiredReplicas });
    case 'rabbitmq':
      return metadataOf({
        queueName: t.queueName, mode: t.mode, value: t.value, activationValue: t.activationValue,
        protocol: t.protocol, vhostName: t.vhostName, hostFromEnv: t.hostFromEnv,
      });
    case 'kafka':
      return metadataOf({
        bootstrapServers: t.bootstrapServers, consumerGroup: t.consumerGroup, topic: t.topic, lagThreshold: t.lagThreshold,
        activationLagThreshold: t.activationLagThreshold, offsetResetPolicy: t.offsetResetPolicy, allowIdleConsumers: t.allowIdleConsumers,
      });
    case 'cpu':
    case 'memory':
      return metadataOf({ value: t.value, containerName: t.containerName });
    case 'generic':
      return { ...t.metadata };
  }
}
