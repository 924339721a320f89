export * from './keda';
export * from './scaled-object';
export * from './scale-target';
export * from './triggers';
export * from './trigger-authentication';
export * from './cluster-trigger-authentication';
export * from './secret-refs';
export * from './keda-resource';
