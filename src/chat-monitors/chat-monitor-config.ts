/**
 * Turns a stored chat monitor into what the scheduler and the detection engine run: one service
 * (`chat-<id>`) with one monitor (`chat-<id>-0`), probed through the SSRF guard on every check.
 */
import type { MonitorConfig } from '../monitors/monitor-config.js';
import { CHAT_SERVICE_PREFIX, type ServiceDef } from '../core/catalog.js';
import { DEFAULT_CONFIRM, DEFAULT_FLAP } from '../core/detection/monitor-state.js';
import type { AnyProbe } from '../monitors/probe.js';
import { createHttpProbe } from '../monitors/probes/http-probe.js';
import { httpOptionsSchema } from '../monitors/probes/http-options.js';
import { createTcpProbe } from '../monitors/probes/tcp-probe.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { createConnectionGuard } from '../monitors/ssrf/ssrf-guard.js';
import { parseHttpUrl, parseTarget } from '../monitors/ssrf/target-parser.js';
import { createStatusPageProbe, statusPageOptionsSchema } from '../monitors/probes/status-page-probe.js';
import type { ChatMonitorLimits } from './chat-monitor-limits.js';
import type { ChatMonitor } from './chat-monitor-store.js';

export { CHAT_SERVICE_PREFIX };

export function chatServiceId(monitorId: number): string {
  return `${CHAT_SERVICE_PREFIX}${monitorId}`;
}

export interface ChatMonitorRuntimeConfig {
  readonly service: ServiceDef;
  readonly monitor: MonitorConfig;
}

/** Builds the service and guarded monitor. Throws only for a stored target that no longer parses (a bug). */
export function buildChatMonitorConfig(
  monitor: ChatMonitor,
  limits: ChatMonitorLimits,
  guard: SsrfGuardDeps,
): ChatMonitorRuntimeConfig {
  if (monitor.kind === 'status-page') return buildStatusPageConfig(monitor, limits, guard);
  const parsed = parseTarget(monitor.target);
  if (!parsed.ok) throw new Error(`stored chat monitor ${monitor.id} has an invalid target`);
  const createGuard = () => createConnectionGuard(guard);
  const target = parsed.target;
  const probe: AnyProbe =
    target.kind === 'http'
      ? (createHttpProbe({ createGuard }) as AnyProbe)
      : (createTcpProbe({ createGuard }) as AnyProbe);
  const options =
    target.kind === 'http'
      ? httpOptionsSchema.parse({
          url: target.url.href,
          maxRedirects: limits.maxRedirects,
          maxBodyBytes: limits.maxBodyBytes,
          ...(target.keyword !== null ? { expect: { keyword: target.keyword } } : {}),
        })
      : { host: target.host, port: target.port };
  return runtimeConfig(monitor, limits, { type: target.kind, role: 'probe', probe, options });
}

/** The chat service and its one monitor, checked every `monitor.intervalMs` with the chat limits' timeout. */
function runtimeConfig(
  monitor: ChatMonitor,
  limits: ChatMonitorLimits,
  check: Pick<MonitorConfig, 'type' | 'role' | 'probe' | 'options'>,
): ChatMonitorRuntimeConfig {
  const serviceId = chatServiceId(monitor.id);
  const monitorId = `${serviceId}-0`;
  return {
    service: serviceOf(monitor, serviceId, monitorId),
    monitor: {
      id: monitorId,
      serviceId,
      ...check,
      target: monitor.target,
      intervalMs: monitor.intervalMs,
      confirm: DEFAULT_CONFIRM,
      flap: DEFAULT_FLAP,
      timeoutMs: limits.timeoutMs,
      schedule: { kind: 'every', ms: monitor.intervalMs },
    } as MonitorConfig,
  };
}

/**
 * A page added with `/watch`: the status-page probe (format detected on every read, the page's
 * own component filter) through a fresh SSRF guard per check. What the page says is an official
 * statement (`role: official`), as for the services file's `statuspage` monitors.
 */
function buildStatusPageConfig(
  monitor: ChatMonitor,
  limits: ChatMonitorLimits,
  guard: SsrfGuardDeps,
): ChatMonitorRuntimeConfig {
  const parsed = parseHttpUrl(monitor.target);
  if (!parsed.ok) throw new Error(`stored chat monitor ${monitor.id} has an invalid target`);
  const probe = createStatusPageProbe({ createGuard: () => createConnectionGuard(guard) }) as AnyProbe;
  const options = statusPageOptionsSchema.parse({
    url: parsed.url.href,
    components: [...(monitor.components ?? [])],
  });
  return runtimeConfig(monitor, limits, { type: 'statuspage', role: 'official', probe, options });
}

function serviceOf(monitor: ChatMonitor, serviceId: string, monitorId: string): ServiceDef {
  return {
    id: serviceId,
    name: monitor.name,
    group: null,
    quorum: null,
    crowd: false,
    monitorIds: [monitorId],
  };
}
