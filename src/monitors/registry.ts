import type { AnyProbe } from './probe.js';
import { dnsProbe } from './probes/dns-probe.js';
import { httpProbe } from './probes/http-probe.js';
import { pushProbe } from './probes/push-probe.js';
import { statusPageProbe } from './probes/status-page-probe.js';
import { tcpProbe } from './probes/tcp-probe.js';
import { tlsProbe } from './probes/tls-probe.js';

/** Every probe type, in the order they are documented. Adding a probe type is one line here. */
export const PROBES: readonly AnyProbe[] = [
  httpProbe,
  tcpProbe,
  dnsProbe,
  tlsProbe,
  statusPageProbe,
  pushProbe,
];

const PROBES_BY_TYPE: ReadonlyMap<string, AnyProbe> = new Map(PROBES.map((probe) => [probe.type, probe]));

/** The probe for a monitor's `type:` value, or undefined when there is none. */
export function findProbe(type: string): AnyProbe | undefined {
  return PROBES_BY_TYPE.get(type);
}
