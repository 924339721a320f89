/** A namespaced reference to a Flux object, as `sourceRef` and `dependsOn` take it. */
export interface FluxObjectRef {
  /** Kind of the referenced object. */
  readonly kind: string;
  /** Name of the referenced object. */
  readonly name: string;
  /** Namespace of the referenced object. */
  readonly namespace: string;
}

/** A Flux source a HelmRelease can install a chart from. */
export interface ChartSource {
  readonly ref: FluxObjectRef;
}
