import { App } from 'cdk8s';
import { catalyst } from './catalyst';
import { hybridLlm } from './hybrid-llm';

/** The reference fleet: one line per cluster. */
export function buildFleet(app: App): void {
  catalyst(app);
  hybridLlm(app);
}
