export * from './locations';
// The Schedule construct renders Velero's validated schedules; users declare them in VeleroProps.schedules.
export type { VeleroScheduleSpec } from './schedule';
export * from './velero';
