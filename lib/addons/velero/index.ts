export * from './locations';
export * from './schedule';
export * from './velero';
