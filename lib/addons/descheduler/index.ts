export * from './descheduler';
export * from './plugins';
