/**
 * How YAML 1.1 readers type a plain scalar, written from their sources independently of
 * lib/synth/yaml.ts, so a test can check that no string the writer leaves plain reads as anything but a
 * string: PyYAML's implicit resolvers (resolver.py, the YAML 1.1 type regexps as PyYAML has them) and
 * go-yaml v2's resolve (resolve.go: a table of words, then Go's strconv on the scalar with its
 * underscores removed), which kubectl and the API server read YAML through (sigs.k8s.io/yaml).
 */

/** What a reader makes of a plain scalar. */
export type Reading = 'str' | 'bool' | 'null' | 'number' | 'timestamp' | 'merge' | 'value';

/** PyYAML's implicit resolvers, in its order (first match wins). */
const PYYAML: ReadonlyArray<readonly [Reading, RegExp]> = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  ['number', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/],
  ['number', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/],
  ['merge', /^(?:<<)$/],
  ['null', /^(?:~|null|Null|NULL|)$/],
  ['timestamp', /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/],
  ['value', /^(?:=)$/],
];

export function pyyaml(plain: string): Reading {
  return PYYAML.find(([, re]) => re.test(plain))?.[0] ?? 'str';
}

/** go-yaml v2's table of words (resolveMap). */
const GO_WORDS = new Map<string, Reading>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w) => [w, 'bool'] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((w) => [w, 'null'] as const),
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'].map((w) => [w, 'number'] as const),
  ['<<', 'merge'],
]);
/** strconv.ParseInt(s, 0, 64) (and ParseUint), after the underscores are gone. */
const GO_INT = /^[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml's yamlStyleFloat, which gates strconv.ParseFloat. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** strconv.ParseFloat on a scalar starting with '.' (Go float syntax: underscores between digits). */
const GO_DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;
/** parseTimestamp: four digits and '-', then one of its time.Parse layouts. */
const GO_TIMESTAMP = /^[0-9]{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12][0-9]|3[01])(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})| [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?)?$/;

export function goYamlV2(plain: string): Reading {
  const word = GO_WORDS.get(plain);
  if (word) return word;
  const first = plain[0];
  if (first === '.') return GO_DOT_FLOAT.test(plain) ? 'number' : 'str';
  if (first === undefined || !/[-+0-9]/.test(first)) return 'str';
  if (/[0-9]/.test(first) && GO_TIMESTAMP.test(plain)) return 'timestamp';
  const digits = plain.replace(/_/g, '');
  if (GO_INT.test(digits) || GO_FLOAT.test(digits)) return 'number';
  return 'str';
}

/** Every YAML 1.1 reader above. */
export const YAML_1_1_READERS = { pyyaml, goYamlV2 } as const;
