import { formatDuration } from '../../core/duration.js';
import type { Evidence } from '../../core/detection/service-status.js';
import type { IncidentEvent, OperatorEvent } from '../../core/events.js';

/** Longest evidence text on one console line; the rest is in the API and the database. */
const MAX_EVIDENCE_CHARS = 160;

const LABEL: Record<IncidentEvent['kind'], (e: IncidentEvent) => string> = {
  opened: (e) => (e.severity === 'major' ? 'DOWN' : 'DEGRADED'),
  reopened: (e) => (e.severity === 'major' ? 'DOWN AGAIN' : 'DEGRADED AGAIN'),
  updated: (e) => (e.severity === 'major' ? 'UPDATE: DOWN' : 'UPDATE: DEGRADED'),
  resolved: () => 'RECOVERED',
};

/** One readable console line per incident event: the alert channel when no chat platform is configured. */
export function formatIncidentLine(event: IncidentEvent): string {
  const time = new Date(event.at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  const head = `${time}  ${LABEL[event.kind](event)}  ${sanitize(event.serviceName)}`;
  if (event.kind === 'resolved') {
    return `${head} is back up after ${formatDuration(event.durationMs ?? event.at - event.startedAt)}`;
  }
  const evidence = event.evidence.map(describeEvidence).join('; ');
  return evidence === '' ? head : `${head} (${truncate(sanitize(evidence), MAX_EVIDENCE_CHARS)})`;
}

export function formatOperatorLine(event: OperatorEvent): string {
  const time = new Date(event.at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  switch (event.kind) {
    case 'vantage-lost':
      return `${time}  OPERATOR  our own network looks broken (${event.detail}): failures are not counted against services`;
    case 'vantage-restored':
      return `${time}  OPERATOR  our network is fine again: checks count again`;
    case 'monitor-flapping':
      return `${time}  OPERATOR  monitor ${event.monitorId} is flapping: its service is shown unstable until it settles`;
    case 'monitor-settled':
      return `${time}  OPERATOR  monitor ${event.monitorId} has settled`;
    case 'vantage-disagrees':
      return `${time}  OPERATOR  vantage ${sanitize(event.vantage)} sees monitor ${event.monitorId} (${event.serviceId}) down alone (${event.down} of ${event.of} locations): its own network's trouble, not counted as an outage`;
    case 'vantage-agrees':
      return `${time}  OPERATOR  vantage ${sanitize(event.vantage)} no longer sees monitor ${event.monitorId} (${event.serviceId}) down alone (${event.down} of ${event.of} locations)`;
  }
}

function describeEvidence(e: Evidence): string {
  if (e.kind === 'probe') return `${e.target}: ${e.message}${locations(e)}`;
  if (e.kind === 'official') return e.lines.join(' / ');
  if (e.kind === 'unstable') return `${e.target}: unstable (${e.changes} state changes)`;
  return `${e.reporters} user reports`;
}

/** `, down from 2 of 3 locations` for an outcome fused from several vantage points. */
function locations(e: Extract<Evidence, { kind: 'probe' }>): string {
  const v = e.facts?.vantages;
  return v !== undefined && v.of > 1 && v.down > 0 ? `, down from ${v.down} of ${v.of} locations` : '';
}

/** Control characters from untrusted text could rewrite the operator's terminal. */
function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Prints incident and operator events as lines on a stream (stdout by default). */
export class ConsoleSink {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  incident(event: IncidentEvent): void {
    this.out.write(`${formatIncidentLine(event)}\n`);
  }

  operator(event: OperatorEvent): void {
    this.out.write(`${formatOperatorLine(event)}\n`);
  }

  line(text: string): void {
    this.out.write(`${sanitize(text)}\n`);
  }
}
