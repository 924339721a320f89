export * from './monitoring';
export * from './monitor-resource';
export * from './pod-monitor';
export * from './service-monitor';
