/**
 * A small authoritative DNS server over UDP on 127.0.0.1 (port 0), built with `dns-packet`.
 * Answers are configured per name and record type; a sequence of answers is served in order
 * (the last one repeats), which lets a test answer a public address first and a private one
 * second (DNS rebinding). Unknown names are NXDOMAIN; a known name without the asked type is an
 * empty NOERROR answer (NODATA).
 */
import dgram from 'node:dgram';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';

export const FAKE_DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT'] as const;
export type FakeDnsType = (typeof FAKE_DNS_TYPES)[number];

/** Record data: an address or name (A, AAAA, CNAME, NS), an MX, or TXT strings (one or several). */
export type FakeRecordValue =
  string | readonly string[] | { readonly priority: number; readonly exchange: string };

/** What the server does with one query. A plain array is shorthand for `{ kind: 'records' }`. */
export type FakeDnsAnswer =
  | readonly FakeRecordValue[]
  | { readonly kind: 'records'; readonly values: readonly FakeRecordValue[]; readonly ttl?: number }
  | { readonly kind: 'nxdomain' | 'servfail' | 'refused' | 'silent' };

/** Initial answers: `{ 'example.test': { A: ['192.0.2.1'], TXT: [{ kind: 'servfail' }] } }`. */
export type FakeDnsZone = Readonly<Record<string, Partial<Record<FakeDnsType, FakeDnsAnswer>>>>;

export interface FakeDnsQuery {
  readonly name: string;
  readonly type: string;
}

export interface FakeDnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, the form `Resolver.setServers` and the dns probe's `resolver` accept. */
  readonly address: string;
  /** Every question received, in order. */
  readonly queries: readonly FakeDnsQuery[];
  /** Replaces the answers for `name`/`type`; successive queries get successive answers, the last repeats. */
  setAnswer(name: string, type: FakeDnsType, ...answers: readonly FakeDnsAnswer[]): void;
  close(): Promise<void>;
}

const DEFAULT_TTL_S = 60;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

function keyOf(name: string, type: string): string {
  return `${name.toLowerCase().replace(/\.$/, '')} ${type}`;
}

function toAnswer(question: Question, type: FakeDnsType, value: FakeRecordValue, ttl: number): Answer {
  const base = { name: question.name, ttl, class: 'IN' as const };
  if (type === 'MX') {
    const mx = value as { priority: number; exchange: string };
    return { ...base, type: 'MX', data: { preference: mx.priority, exchange: mx.exchange } };
  }
  if (type === 'TXT')
    return { ...base, type: 'TXT', data: typeof value === 'string' ? value : [...(value as string[])] };
  return { ...base, type, data: value as string };
}

function isRecordList(answer: FakeDnsAnswer): answer is readonly FakeRecordValue[] {
  return Array.isArray(answer);
}

type Reply = { rcode: number; answers: Answer[] } | 'silent';

function replyFor(question: Question, answer: FakeDnsAnswer | undefined, nameKnown: boolean): Reply {
  if (answer === undefined) return { rcode: nameKnown ? RCODE.NOERROR : RCODE.NXDOMAIN, answers: [] };
  const spec: Exclude<FakeDnsAnswer, readonly FakeRecordValue[]> = isRecordList(answer)
    ? { kind: 'records', values: answer }
    : answer;
  switch (spec.kind) {
    case 'records': {
      const ttl = spec.ttl ?? DEFAULT_TTL_S;
      const type = question.type as FakeDnsType;
      return {
        rcode: RCODE.NOERROR,
        answers: spec.values.map((value) => toAnswer(question, type, value, ttl)),
      };
    }
    case 'silent':
      return 'silent';
    case 'nxdomain':
      return { rcode: RCODE.NXDOMAIN, answers: [] };
    case 'servfail':
      return { rcode: RCODE.SERVFAIL, answers: [] };
    case 'refused':
      return { rcode: RCODE.REFUSED, answers: [] };
  }
}

/** The configured answers, served in sequence per name and type. */
class AnswerBook {
  private readonly sequences = new Map<string, { answers: readonly FakeDnsAnswer[]; served: number }>();
  private readonly knownNames = new Set<string>();

  constructor(zone: FakeDnsZone) {
    for (const [name, types] of Object.entries(zone)) {
      this.knownNames.add(keyOf(name, ''));
      for (const [type, answer] of Object.entries(types)) this.set(name, type as FakeDnsType, [answer]);
    }
  }

  set(name: string, type: FakeDnsType, answers: readonly FakeDnsAnswer[]): void {
    this.knownNames.add(keyOf(name, ''));
    this.sequences.set(keyOf(name, type), { answers, served: 0 });
  }

  reply(question: Question): Reply {
    const sequence = this.sequences.get(keyOf(question.name, question.type));
    const answer = sequence?.answers[Math.min(sequence.served, sequence.answers.length - 1)];
    if (sequence) sequence.served += 1;
    return replyFor(question, answer, this.knownNames.has(keyOf(question.name, '')));
  }
}

function encodeReply(query: DecodedPacket, question: Question, reply: Exclude<Reply, 'silent'>): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags:
      dnsPacket.AUTHORITATIVE_ANSWER |
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.RECURSION_AVAILABLE |
      reply.rcode,
    questions: [question],
    answers: reply.answers,
  });
}

/** Starts the server; close it after the test. */
export async function startDnsServer(zone: FakeDnsZone = {}): Promise<FakeDnsServer> {
  const book = new AnswerBook(zone);
  const queries: FakeDnsQuery[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: ignore, like a real server would
    }
    const question = query.questions?.[0];
    if (question === undefined) return;
    queries.push({ name: question.name, type: question.type });
    const reply = book.reply(question);
    if (reply !== 'silent') socket.send(encodeReply(query, question, reply), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    port,
    address: `127.0.0.1:${port}`,
    queries,
    setAnswer: (name, type, ...answers) => book.set(name, type, answers),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * A `lookup` function (as `net.connect` and undici's `connect.lookup` take) that resolves A
 * records through `server` instead of the system resolver. Resolver errors pass through
 * unchanged (`ENOTFOUND`, `ESERVFAIL`, …).
 */
export function createFakeLookup(server: FakeDnsServer): LookupFunction {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([server.address]);
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolver.resolve4(hostname).then(
      (addresses) => {
        const all: LookupAddress[] = addresses.map((address) => ({ address, family: 4 }));
        if (options.all === true) callback(null, all);
        else callback(null, all[0]?.address, 4);
      },
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;
}
