import type { NoteMark } from '../incident-notes.js';
import type { NamedProblemKind, ProblemKind } from '../crowd/problem-kind.js';
import type { OutcomeReason, State } from '../model.js';
import type { PageText } from './page-text.js';
import { anyStem } from './stems.js';
import type { SsrfRefusalReason } from './ssrf-reasons.js';
import {
  formatDateTime,
  formatDigits,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
  formatTimeOfDay,
  type LocaleFormat,
} from './format.js';
import type {
  CommandArgument,
  IncidentSummary,
  Catalogue,
  MonitorLine,
  ProbeFacts,
  QuietHours,
  ServiceTarget,
  WatchFinding,
} from './messages.js';

/*
 * Bengali. Service names are Latin (WhatsApp, GitHub), and a Bengali case ending glued to a
 * Latin word needs guessing how it is pronounced (GitHub-এ, Meta-তে), so sentences are built to
 * put names before a colon or as the subject, where they take no ending.
 */

const FORMAT: LocaleFormat = { intlLocale: 'bn', dayPeriodFirst: true };

const n = (value: number): string => formatNumber(FORMAT, value);
const duration = (ms: number): string => formatDuration(FORMAT, ms);
const DAY_MS = 86_400_000;

/** Where a subscription's alerts go, in a forum (see `subscriptions`). */
const BN_TOPIC = { none: '', here: ' — এই টপিকে', general: ' — General টপিকে', other: ' — অন্য একটি টপিকে' };

const STATE: Readonly<Record<State, string>> = {
  up: 'চালু',
  degraded: 'সমস্যা চলছে',
  down: 'বন্ধ',
  unknown: 'অজানা',
  maintenance: 'রক্ষণাবেক্ষণ চলছে',
};

/** The live board's marks and words per state (`/board`). */
const BOARD_EMOJI: Readonly<Record<State, string>> = {
  down: '🔴',
  degraded: '🟠',
  maintenance: '🔧',
  unknown: '⚪',
  up: '✅',
};
const BOARD_STATE: Readonly<Record<State, string>> = STATE;

/** The predicate after a service name (or a list of them); `again` is inserted where it belongs. */
const PREDICATE: Readonly<Record<State, (again: string) => string>> = {
  up: (again) => `${again}চালু আছে`,
  degraded: (again) => `${again}ঠিকমতো কাজ করছে না`,
  down: (again) => `${again}কাজ করছে না`,
  unknown: (again) => `— অবস্থা ${again}জানা যাচ্ছে না`,
  maintenance: (again) => `— ${again}রক্ষণাবেক্ষণ চলছে`,
};

const PROBLEM: Readonly<Record<ProblemKind, string>> = {
  connection: 'সংযোগ হচ্ছে না',
  sending: 'মেসেজ যাচ্ছে না',
  login: 'লগইন করা যাচ্ছে না',
  app: 'অ্যাপ কাজ করছে না',
  website: 'ওয়েবসাইট কাজ করছে না',
  other: 'অন্যান্য সমস্যা',
};

/** `, ৩টি জায়গার মধ্যে ২টি থেকে বন্ধ দেখা গেছে`: how many vantage points saw it down (see ProbeFacts). */
const locations = (v: ProbeFacts['vantages']): string =>
  v === undefined ? '' : `, ${n(v.of)}টি জায়গার মধ্যে ${n(v.down)}টি থেকে ${STATE.down} দেখা গেছে`;

const REASON: Readonly<Record<OutcomeReason, (p: ProbeFacts) => string>> = {
  ok: () => 'ঠিক আছে',
  slow: () => 'সাড়া দিতে দেরি হচ্ছে',
  timeout: (p) =>
    p.timeoutMs === undefined ? 'সময়মতো সাড়া মেলেনি' : `${duration(p.timeoutMs)} অপেক্ষার পরও সাড়া মেলেনি`,
  refused: () => 'সংযোগ প্রত্যাখ্যান করেছে',
  reset: () => 'সংযোগ মাঝপথে কেটে গেছে',
  unreachable: () => 'নেটওয়ার্কে পৌঁছানো যাচ্ছে না',
  blocked: () => 'ঠিকানাটি অনুমোদিত নয় (ব্যক্তিগত বা সংরক্ষিত নেটওয়ার্ক)',
  'dns-nxdomain': () => 'DNS: এমন কোনো ডোমেইন নেই',
  'dns-servfail': () => 'DNS: সার্ভারে ত্রুটি',
  'dns-timeout': (p) =>
    p.timeoutMs === undefined
      ? 'DNS: কোনো উত্তর আসেনি'
      : `DNS: ${duration(p.timeoutMs)} অপেক্ষার পরও উত্তর আসেনি`,
  'dns-no-records': () => 'DNS: কোনো রেকর্ড নেই',
  'dns-mismatch': () => 'DNS: অপ্রত্যাশিত উত্তর',
  tls: () => 'নিরাপদ সংযোগ (TLS) ব্যর্থ হয়েছে',
  'tls-expiring': (p) =>
    p.daysLeft === undefined
      ? 'সার্টিফিকেটের মেয়াদ শীঘ্রই শেষ হবে'
      : `${duration(p.daysLeft * DAY_MS)} পর সার্টিফিকেটের মেয়াদ শেষ হবে`,
  'tls-expired': () => 'সার্টিফিকেটের মেয়াদ শেষ',
  'http-status': (p) =>
    p.httpStatus === undefined ? 'অপ্রত্যাশিত HTTP স্ট্যাটাস' : `HTTP ${formatDigits(FORMAT, p.httpStatus)}`,
  assertion: () => 'পেজের বিষয়বস্তু প্রত্যাশামতো নয়',
  'too-large': () => 'উত্তর অতিরিক্ত বড়',
  redirects: (p) =>
    p.maxRedirects === undefined ? 'অতিরিক্ত রিডাইরেক্ট' : `${n(p.maxRedirects)}টির বেশি রিডাইরেক্ট`,
  protocol: () => 'উত্তরটি বৈধ নয়',
  'official-incident': () => 'অফিসিয়াল ঘোষণায় সমস্যা',
  'official-maintenance': () => 'ঘোষিত রক্ষণাবেক্ষণ',
  'bad-payload': () => 'স্ট্যাটাস পেজ পড়া যাচ্ছে না',
  'missed-heartbeat': (p) =>
    p.silentMs === undefined ? 'নির্ধারিত সময়ে সংকেত আসেনি' : `${duration(p.silentMs)} ধরে কোনো সংকেত আসেনি`,
  aborted: () => 'পরীক্ষা বাতিল হয়েছে',
  error: () => 'পরীক্ষা ব্যর্থ হয়েছে',
};

/** `/note` marks as alerts show them. */
const NOTE_MARK: Readonly<Record<NoteMark, string>> = {
  identified: 'কারণ চিহ্নিত',
  monitoring: 'নজরে রাখা হচ্ছে',
  resolved: 'লেখকের মতে সমাধান হয়েছে',
};

const ARGUMENT: Readonly<Record<CommandArgument, string>> = {
  service: 'সার্ভিসের নাম (/services দেখুন)',
  problem: 'সমস্যার সংক্ষিপ্ত বিবরণ',
  severity: 'তীব্রতা: major অথবা minor',
  language: 'ভাষা: তার কোড (যেমন bn) অথবা নাম (যেমন বাংলা)',
  timezone: 'টাইম জোন, যেমন Asia/Dhaka অথবা UTC',
  quiet: 'নীরব সময়, যেমন 23:00-07:00, অথবা off',
  role: 'সতর্কবার্তায় যে রোল মেনশন করা হবে, অথবা off',
  name: 'মনিটরের নাম (একটি শব্দ, অথবা উদ্ধৃতিচিহ্নের ভেতরে)',
  target: 'লক্ষ্য: https://example.com/ (চাইলে সঙ্গে একটি শব্দ) অথবা host:port',
  note: 'নোটের লেখা',
  remind: 'মনে করিয়ে দেওয়ার বিরতি: 30m, 1h, 2h, 4h, অথবা off',
  threads: 'on অথবা off',
};

const target = (t: ServiceTarget): string => (t.kind === 'all' ? 'সব সার্ভিস' : t.name);
const level = (severity: 'minor' | 'major'): string =>
  severity === 'major' ? 'শুধু বড় বিভ্রাট' : 'বিভ্রাট ও সমস্যা';
/** A reminder pace as typed in `/settings remind` (`30m`, `1h`). */
const paceToken = (minutes: number): string => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
const quiet = (q: QuietHours | null): string =>
  q === null ? 'বন্ধ' : `${formatTimeOfDay(FORMAT, q.startMinute)} – ${formatTimeOfDay(FORMAT, q.endMinute)}`;
const names = (serviceNames: readonly string[]): string => serviceNames.join(', ');

function incidentLine(i: IncidentSummary, timeZone: string): string {
  const kind = i.severity === 'major' ? 'বিভ্রাট' : 'সমস্যা';
  const when = formatDateTime(FORMAT, i.startedAt, timeZone);
  return i.durationMs === undefined
    ? `• ${i.serviceName}: ${kind}, ${when} থেকে, এখনো চলছে`
    : `• ${i.serviceName}: ${kind}, ${when}, স্থায়িত্ব ${duration(i.durationMs)}`;
}

const COMMAND_HELP: Readonly<Record<string, readonly [string, string]>> = {
  subscribe: ['/subscribe <service|all> [severity]', 'এই চ্যাটে কোনো সার্ভিসের সতর্কবার্তা পেতে (অ্যাডমিন)'],
  unsubscribe: ['/unsubscribe <service|all>', 'সেই সতর্কবার্তা বন্ধ করতে (অ্যাডমিন)'],
  subscriptions: ['/subscriptions', 'এই চ্যাটে কোন কোন সার্ভিসের সতর্কবার্তা আসে'],
  status: ['/status [service]', 'সব সার্ভিসের সংক্ষিপ্ত অবস্থা, অথবা একটির বিস্তারিত'],
  incidents: ['/incidents [service]', 'সাম্প্রতিক ও চলমান ঘটনা'],
  report: ['/report <service> [problem]', 'কোনো সার্ভিস আপনার জন্য কাজ না করলে আমাদের জানান'],
  services: ['/services [search]', 'যেসব সার্ভিসের ওপর আমরা নজর রাখি'],
  settings: [
    '/settings [language] [timezone] [quiet] [remind]',
    'এই চ্যাটের ভাষা, টাইম জোন, নীরব সময় ও বিভ্রাট চলাকালীন রিমাইন্ডার (অ্যাডমিন)',
  ],
  monitorAdd: [
    '/monitor add <name> <target> [every]',
    'আপনার নিজের সাইট বা সার্ভারের ওপর নজর রাখতে (নাম একটি শব্দ); সতর্কবার্তা এখানে আসবে (অ্যাডমিন)',
  ],
  monitorRemove: [
    '/monitor remove <name> | /monitor list',
    'নজর বন্ধ করতে; এই কমিউনিটি কী কী দেখছে (অ্যাডমিন)',
  ],
  help: ['/help', 'এই সাহায্য'],
  start: ['/start', '/help-এর মতোই'],
  silence: [
    '/silence <service|all> <duration> | /silence off [service]',
    'একটি সার্ভিসের বা সব সতর্কবার্তা এই চ্যাটে ১০ মিনিট থেকে ৭ দিন আটকে রাখুন, যেমন 2h; শুধু /silence দিলে তালিকা (অ্যাডমিন)',
  ],
  watch: ['/watch <url> [components]', 'এখানে একটি অফিসিয়াল স্ট্যাটাস পাতা অনুসরণ করুন (অ্যাডমিন)'],
  note: [
    '/note <service> [identified|monitoring|resolved] <text>',
    'সার্ভিসের ঘটনায় একটি নোট যোগ করুন (অপারেটর; নিজের মনিটরে অ্যাডমিন)',
  ],
  board: [
    '/board | /board off',
    'এখানে একটি সরাসরি অবস্থার বোর্ড, অবস্থা বদলালে সম্পাদিত হয়; off দিলে থামে (অ্যাডমিন)',
  ],
  maintenance: [
    '/maintenance <monitor> <start> <duration> | /maintenance cancel <monitor> | /maintenance list',
    'পরিকল্পিত কাজের সময় আপনার একটি মনিটরের সতর্কবার্তা বন্ধ রাখুন; শুরু: now, HH:MM বা YYYY-MM-DD HH:MM, এই চ্যাটের সময় অঞ্চলে (অ্যাডমিন)',
  ],
};

/** `/watch` যা পেয়েছে, স্ট্যাটাস ফিডের বদলে। */
const WATCH_FINDING = (found: WatchFinding): string => {
  switch (found.kind) {
    case 'html':
      return 'একটি এইচটিএমএল পাতা (মানুষের পড়ার পাতা, তার ফিড নয়)';
    case 'unknown-json':
      return 'অচেনা গঠনের জেসন';
    case 'other-xml':
      return 'এমন এক্সএমএল যা আরএসএস বা অ্যাটম নয়';
    case 'empty':
      return 'একটি ফাঁকা উত্তর';
    case 'other':
      return 'জেসন, আরএসএস বা অ্যাটম নয় এমন কিছু';
    case 'unreadable':
      return 'এমন একটি ফিড যার বিষয়বস্তু পড়া গেল না';
    case 'unreachable':
      return 'কোনো উত্তর নেই (ঠিকানাটি সময়মতো সাড়া দেয়নি, অথবা নিষিদ্ধ কোথাও পাঠিয়েছে)';
    case 'http-status':
      return `HTTP ${n(found.status)} ত্রুটি`;
  }
};

const MONITOR_USAGE = [
  'নিজের সার্ভিসের ওপর নজর রাখুন (অ্যাডমিন):',
  '/monitor add <name> <target> [every] — যেমন /monitor add shop https://shop.example.com/ 5m',
  '/monitor remove <name>',
  '/monitor list',
  'নাম একটি শব্দ (অথবা উদ্ধৃতিচিহ্নের ভেতরে)। লক্ষ্য একটি http(s) URL, চাইলে তারপর পেজে থাকতে হবে এমন একটি শব্দ, অথবা TCP পরীক্ষার জন্য host:port। "every": 60s, 5m, 1h…',
].join('\n');

const monitorLine = (m: MonitorLine): string => `• ${m.name}: ${m.target} (প্রতি ${duration(m.intervalMs)})`;

const SSRF: Readonly<Record<SsrfRefusalReason, string>> = {
  'malformed-target': 'এই লক্ষ্যটি বোঝা গেল না। https://example.com/ অথবা host:port লিখুন।',
  'unsupported-scheme': 'শুধু http://, https:// এবং host:port (TCP) লক্ষ্য নজরে রাখা যায়।',
  'credentials-in-url': 'URL-এ ব্যবহারকারীর নাম বা পাসওয়ার্ড থাকলে তা গ্রহণ করা হয় না।',
  'internal-name': 'এই নামটি একটি ব্যক্তিগত নেটওয়ার্কের ভেতরে নির্দেশ করে, তাই নজরে রাখা যাবে না।',
  'cloud-metadata': 'এটি একটি ক্লাউড মেটাডেটা ঠিকানা, এটি কখনও নজরে রাখা হয় না।',
  loopback: 'এই ঠিকানাটি বটের নিজের যন্ত্র (লুপব্যাক), তাই নজরে রাখা যাবে না।',
  private: 'এই ঠিকানাটি একটি ব্যক্তিগত নেটওয়ার্কে (RFC 1918), তাই নজরে রাখা যাবে না।',
  cgnat: 'এই ঠিকানাটি ক্যারিয়ার-গ্রেড NAT পরিসরে (100.64.0.0/10), তাই নজরে রাখা যাবে না।',
  'link-local': 'এটি একটি লিংক-লোকাল ঠিকানা, তাই নজরে রাখা যাবে না।',
  multicast: 'এটি একটি মাল্টিকাস্ট ঠিকানা, তাই নজরে রাখা যাবে না।',
  broadcast: 'এটি একটি ব্রডকাস্ট ঠিকানা, তাই নজরে রাখা যাবে না।',
  unspecified: 'এটি একটি অনির্দিষ্ট ঠিকানা (0.0.0.0 বা ::), তাই নজরে রাখা যাবে না।',
  reserved: 'এই ঠিকানাটি সংরক্ষিত (ডকুমেন্টেশন, বেঞ্চমার্ক বা ভবিষ্যতের জন্য), তাই নজরে রাখা যাবে না।',
  'unique-local': 'এটি একটি ব্যক্তিগত IPv6 ঠিকানা (ইউনিক লোকাল), তাই নজরে রাখা যাবে না।',
  'site-local': 'এটি একটি সাইট-লোকাল IPv6 ঠিকানা, তাই নজরে রাখা যাবে না।',
  'ipv6-transition':
    'এই IPv6 ঠিকানার ভেতরে একটি IPv4 ঠিকানা আছে (mapped, 6to4, Teredo বা NAT64); সরাসরি ঠিকানাটি দিন।',
  'dns-failed': 'নামটির ঠিকানা খুঁজে পাওয়া গেল না।',
  'no-address': 'নামটির কোনো ঠিকানা নেই।',
};

const COMMAND_MENU: Readonly<Record<string, string>> = {
  start: 'শুরু: এই বট কী করে',
  help: 'এই বট কীভাবে ব্যবহার করবেন',
  subscribe: 'এখানে কোনো সেবার (বা সব) সতর্কবার্তা পান — অ্যাডমিন',
  unsubscribe: 'কোনো সেবার (বা সব) সতর্কবার্তা বন্ধ করুন — অ্যাডমিন',
  subscriptions: 'এই চ্যাট কোন সেবার সতর্কবার্তা পায়',
  status: 'একটি সেবার বিস্তারিত, বা সবগুলোর সারসংক্ষেপ',
  incidents: 'সাম্প্রতিক ও চলমান সমস্যা',
  report: 'কোনো সেবায় আপনার সমস্যার খবর দিন',
  services: 'যে সেবাগুলো নজরে রাখা হচ্ছে',
  settings: 'ভাষা, সময় অঞ্চল, নীরব সময় ও রিমাইন্ডার — অ্যাডমিন',
  monitor: 'নিজের ওয়েবসাইট বা সার্ভার নজরে রাখুন: add, remove, list — অ্যাডমিন',
  silence: 'কিছু সময় এখানে সতর্কবার্তা নীরব রাখুন, শেষ করুন, তালিকা দেখুন — অ্যাডমিন',
  watch: 'এখানে একটি অফিসিয়াল স্ট্যাটাস পাতা অনুসরণ করুন — অ্যাডমিন',
  note: 'কোনো ঘটনায় নোট যোগ করুন — অপারেটর ও মনিটরের মালিক',
  board: 'এখানে সরাসরি অবস্থার বোর্ড, সবসময় হালনাগাদ — অ্যাডমিন',
  maintenance: 'নিজের মনিটরের রক্ষণাবেক্ষণ পরিকল্পনা, বাতিল, তালিকা — অ্যাডমিন',
};

const PAGE: PageText = {
  title: 'সার্ভিসের অবস্থা',
  skipToContent: 'মূল অংশে যান',
  blindBanner: 'মনিটরের নিজের নেটওয়ার্কে সমস্যা হয়েছে; অবস্থাগুলো এখনকার নয়।',
  unstable: 'অস্থির',
  ongoing: 'চলমান সমস্যা',
  noOngoing: 'এখন কোনো সমস্যা নেই।',
  services: 'সার্ভিস',
  overview: ({ total, problems }) =>
    `${formatNumber(FORMAT, total)}টি সার্ভিস, ` +
    `${problems === 0 ? 'কোনোটিতে সমস্যা নেই' : `${formatNumber(FORMAT, problems)}টিতে সমস্যা`}।`,
  attention: 'সমস্যায় থাকা সার্ভিস',
  otherServices: 'অন্য সার্ভিস',
  ungrouped: 'কোনো গ্রুপে নেই',
  serviceCount: (count) => `${formatNumber(FORMAT, count)}টি সার্ভিস`,
  recentResolved: 'সম্প্রতি সমাধান হয়েছে',
  noResolved: 'সম্প্রতি কিছু সমাধান হয়নি।',
  since: 'থেকে',
  plannedUntil: 'পরিকল্পিত, চলবে',
  started: 'শুরু',
  resolvedAfter: (ms) => `${formatDuration(FORMAT, ms)} পর সমাধান হয়েছে`,
  lastingFor: (ms) => `${formatDuration(FORMAT, ms)} ধরে চলছে`,
  barLabel: (days) => `গত ${formatNumber(FORMAT, days)} দিনের প্রাপ্যতা`,
  dayTitle: ({ date, uptime, incidents, state }) =>
    `${date}: ${uptime === null ? 'কোনো পরীক্ষা নেই' : `${formatPercent(FORMAT, uptime)} সময় চালু`}, ` +
    `${formatNumber(FORMAT, incidents)}টি সমস্যা (${state})`,
  chartTitle: 'সাড়া দেওয়ার সময়, গত ২৪ ঘণ্টা',
  chartDesc: ({ checks, failures, reports }) =>
    `গত ২৪ ঘণ্টায় ${formatNumber(FORMAT, checks)}টি পরীক্ষা, ${formatNumber(FORMAT, failures)}টি ব্যর্থ, ` +
    `${formatNumber(FORMAT, reports)}টি ব্যবহারকারীর রিপোর্ট`,
  incidentHistory: 'সমস্যার ইতিহাস',
  noIncidents: 'কোনো সমস্যা লেখা নেই।',
  monitors: 'মনিটর',
  lastCheck: 'শেষ পরীক্ষা',
  never: 'এখনো পরীক্ষা হয়নি',
  notFound: 'পাওয়া যায়নি',
  notFoundBody: 'এই আইডির কোনো সার্ভিস নেই।',
  backToAll: 'সব সার্ভিস',
  severity: { minor: 'ছোট', major: 'বড়' },
  language: 'ভাষা',
  latencyAxis: 'মি.সে.',
  failuresLegend: 'ব্যর্থ পরীক্ষা',
  reportsLegend: 'ব্যবহারকারীর রিপোর্ট',
  uptimeTitle: 'চালু থাকার হার ও সাড়া দেওয়ার সময়',
  uptimePeriod: (days) => `গত ${formatNumber(FORMAT, days)} দিন`,
  uptimeHeader: 'চালু থাকার হার',
  p95Header: 'সাড়া দেওয়ার সময় (প্রতি ঘণ্টার ৯৫তম পার্সেন্টাইলগুলোর ৯৫তম পার্সেন্টাইল)',
  noData: 'কোনো পরীক্ষা নেই',
  uptimeNote:
    'চালু থাকার হার: যে পরীক্ষাগুলো ব্যর্থ হয়নি তাদের ভাগ। সাড়া দেওয়ার সময়: প্রতি ঘণ্টার ৯৫তম পার্সেন্টাইলগুলোর ৯৫তম পার্সেন্টাইল, কারণ ঘণ্টার সারাংশে প্রতিটি পরীক্ষা নয়, শুধু সেই ঘণ্টার ৯৫তম পার্সেন্টাইল রাখা হয়।',
  feedOngoing: ({ serviceName, state, date }) => `${serviceName}: ${date} থেকে ${state}`,
  feedResolved: ({ serviceName, durationMs }) =>
    `${serviceName}: ${formatDuration(FORMAT, durationMs)} পর সমাধান হয়েছে`,
};

/** Bengali stems (it inflects by suffix). */
const PROBLEM_WORDS: Readonly<Record<NamedProblemKind, RegExp>> = {
  login: anyStem(['লগইন', 'লগ ইন', 'লগিন', 'লগ আউট', 'সাইন ইন', 'পাসওয়ার্ড', 'ওটিপি', 'অ্যাকাউন্ট', 'একাউন্ট']),
  sending: anyStem(['মেসেজ', 'ম্যাসেজ', 'বার্তা', 'পাঠা', 'সেন্ড', 'ডেলিভার']),
  website: anyStem(['ওয়েবসাইট', 'ওয়েব', 'সাইট', 'ব্রাউজার']),
  connection: anyStem(['কানেক্ট', 'কানেকশন', 'সংযোগ', 'নেটওয়ার্ক', 'সার্ভার', 'অফলাইন', 'ইন্টারনেট']),
  app: anyStem(['অ্যাপ', 'এ্যাপ', 'ক্র্যাশ', 'ক্রাশ', 'খুলছে না', 'লোড', 'ফিড']),
};

export const bn: Catalogue<'bn'> = {
  locale: 'bn',
  languageName: 'বাংলা',
  languageAliases: ['bangla', 'bengali', 'ben', 'বাংলা', 'बांग्ला'],
  hints: ['bn'],
  offWords: ['বন্ধ'],
  format: FORMAT,
  state: STATE,
  alert: {
    title: ({ change, serviceName, state }) =>
      `${change === 'updated' ? 'হালনাগাদ: ' : ''}${serviceName} ${PREDICATE[state](change === 'reopened' ? 'আবার ' : '')}`,
    unstable: ({ change, serviceName }) =>
      `${change === 'updated' ? 'হালনাগাদ: ' : ''}${serviceName} ${change === 'reopened' ? 'আবার ' : ''}অস্থির: বারবার বন্ধ হচ্ছে আর চালু হচ্ছে`,
    recovered: ({ serviceName, durationMs }) => `${duration(durationMs)} পর ${serviceName} আবার চালু হয়েছে`,
    threadName: ({ serviceName, startedAt, timeZone }) =>
      `${serviceName} বিভ্রাট — ${formatDateTime(FORMAT, startedAt, timeZone)}`,
    stillDown: ({ serviceName, durationMs }) =>
      `মনে করিয়ে দিচ্ছি: ${serviceName} এখনো বন্ধ, ${duration(durationMs)} ধরে`,
    unconfirmed: ({ serviceName, durationMs }) =>
      `${serviceName}: ${duration(durationMs)} পর সমস্যাটি আর নিশ্চিত নয়; আমাদের পরীক্ষা কোনো সিদ্ধান্ত দিচ্ছে না`,
    groupTitle: ({ groupName, serviceNames, state, otherCount, unstable }) =>
      (groupName === null
        ? `${n(serviceNames.length)}টি সার্ভিস ${unstable === true ? 'অস্থির' : PREDICATE[state]('')}: ${names(serviceNames)}`
        : `${groupName} সার্ভিস: ${names(serviceNames)} ${unstable === true ? 'অস্থির' : PREDICATE[state]('')}`) +
      (otherCount === 0 ? '' : `; আরও ${n(otherCount)}টি সার্ভিসে সমস্যা`),
    groupRecovered: ({ groupName, serviceNames, durationMs }) =>
      `${groupName === null ? 'আবার চালু' : `${groupName} সার্ভিস আবার চালু`}: ${names(serviceNames)} (${duration(durationMs)} পর)`,
    peakedDown: ({ serviceNames }) =>
      serviceNames.length === 0
        ? `সবচেয়ে খারাপ অবস্থায়: ${STATE.down}`
        : `সবচেয়ে খারাপ অবস্থায় ${STATE.down} ছিল: ${names(serviceNames)}`,
    serviceState: ({ serviceName, state }) => `${serviceName}: ${STATE[state]}`,
    serviceEvidence: ({ serviceName, line }) => `${serviceName} — ${line}`,
    since: ({ at, timeZone }) => `শুরু: ${formatDateTime(FORMAT, at, timeZone)}`,
    sinceLabel: 'শুরু',
    durationLabel: 'স্থায়িত্ব',
    duration: ({ durationMs }) => duration(durationMs),
    moreLines: ({ count }) => `… আরও ${n(count)}টি`,
    footer: ({ incidentIds }) => `ঘটনা ${incidentIds.map((id) => `#${formatDigits(FORMAT, id)}`).join(', ')}`,
    statusPageLink: 'স্ট্যাটাস পেজ',
    note: ({ mark, text }) => (mark === null ? `নোট: ${text}` : `নোট (${NOTE_MARK[mark]}): ${text}`),
  },
  evidence: {
    probe: (p) =>
      `${p.target}: ${REASON[p.reason](p)}${p.detail === undefined ? '' : ` (${p.detail})`}${locations(p.vantages)}`,
    reason: (p) => REASON[p.reason](p),
    official: ({ serviceName, line }) => `${serviceName} জানিয়েছে: ${line}`,
    unstable: ({ target, changes, windowMs }) =>
      `${target}: অস্থির, ${duration(windowMs)} সময়ের মধ্যে ${n(changes)} বার অবস্থা বদলেছে`,
    crowdReports: ({ level, reporters }) =>
      level === 'detected'
        ? `অনেক ব্যবহারকারী সমস্যার কথা জানাচ্ছেন: ${n(reporters)}টি রিপোর্ট`
        : `${n(reporters)} জন ব্যবহারকারী সমস্যার কথা জানিয়েছেন, স্বাভাবিকের চেয়ে বেশি`,
    crowdTopProblem: ({ kind, share }) => `${formatPercent(FORMAT, share)} রিপোর্টে: ${PROBLEM[kind]}`,
    problemKind: (kind) => PROBLEM[kind],
  },
  buttons: {
    report: 'আমারও সমস্যা হচ্ছে',
    mute: ({ durationMs }) => `${duration(durationMs)} নীরব রাখুন`,
  },
  commands: {
    help: ({ withStart }) =>
      [
        'আমি বিভিন্ন অনলাইন সার্ভিসের ওপর নজর রাখি, আর কোনোটি বন্ধ হলে বা আবার চালু হলে এখানে জানাই। কমান্ডসমূহ:',
        ...Object.entries(COMMAND_HELP)
          .filter(([key]) => key !== 'start' || withStart)
          .map(([, [command, what]]) => `${command} — ${what}`),
        'তীব্রতা: "major" দিলে শুধু বড় বিভ্রাট, "minor" দিলে ছোটখাটো সমস্যাও জানানো হবে।',
      ].join('\n'),
    subscribed: ({ target: t, severity }) =>
      `এখন থেকে এই চ্যাটে সতর্কবার্তা আসবে: ${target(t)} (${level(severity)})।`,
    unsubscribed: ({ target: t }) => `এই চ্যাটে আর সতর্কবার্তা আসবে না: ${target(t)}।`,
    notSubscribed: ({ target: t }) => `এই চ্যাটে এমনিতেই সতর্কবার্তা আসছিল না: ${target(t)}।`,
    subscriptions: ({ items }) =>
      items.length === 0
        ? 'এই চ্যাটে এখনো কোনো সতর্কবার্তা আসে না। অ্যাডমিন /subscribe <service|all> দিয়ে চালু করতে পারেন।'
        : [
            'এই চ্যাটে যেসব সার্ভিসের সতর্কবার্তা আসে:',
            ...items.map((i) => `• ${target(i.target)} (${level(i.severity)})${BN_TOPIC[i.topic ?? 'none']}`),
          ].join('\n'),
    statusOverview: ({ services, timeZone }) =>
      services.length === 0
        ? 'এখন কোনো সার্ভিসের ওপর নজর রাখা হচ্ছে না।'
        : services
            .map((s) =>
              s.state === 'up'
                ? `• ${s.name}: ${STATE[s.state]}`
                : `• ${s.name}: ${STATE[s.state]}, ${formatDateTime(FORMAT, s.since, timeZone)} থেকে`,
            )
            .join('\n'),
    statusDetail: ({ service, evidence, timeZone }) =>
      [
        `${service.name}: ${STATE[service.state]}, ${formatDateTime(FORMAT, service.since, timeZone)} থেকে`,
        ...evidence.map((line) => `• ${line}`),
      ].join('\n'),
    incidents: ({ incidents, timeZone }) =>
      incidents.length === 0
        ? 'সাম্প্রতিক কোনো ঘটনা নেই।'
        : ['সাম্প্রতিক ঘটনা:', ...incidents.map((i) => incidentLine(i, timeZone))].join('\n'),
    reportAcknowledged: ({ serviceName, problem }) =>
      `ধন্যবাদ, ${serviceName} নিয়ে আপনার রিপোর্ট (${PROBLEM[problem]}) গণনা করা হয়েছে।`,
    communityNotice: ({ serviceName, reporters }) =>
      `${serviceName}: এখানকার ${n(reporters)} জন সদস্য সমস্যার কথা জানিয়েছেন; আমাদের পরীক্ষা আর অন্য কমিউনিটিগুলো এখনও কিছু দেখছে না। শুধু এই চ্যাটকে জানানো হলো; অন্য কমিউনিটি বা আমাদের পরীক্ষা নিশ্চিত করলে সতর্কবার্তা পাঠানো হবে।`,
    alreadyReported: ({ serviceName, windowMs }) =>
      `আপনি গত ${duration(windowMs)} সময়ের মধ্যেই ${serviceName} নিয়ে রিপোর্ট করেছেন; একটি রিপোর্টই যথেষ্ট।`,
    reportNeedsPerson: ({ serviceName }) =>
      `রিপোর্ট প্রতি ব্যক্তি হিসেবে গণনা করা হয়, তাই বেনামে বা চ্যানেল হিসেবে পাঠানো রিপোর্ট গণনা করা হয় না। ${serviceName} নিয়ে রিপোর্ট করতে নিজের নামে /report পাঠান, অথবা কোনো সতর্কবার্তার "আমারও সমস্যা হচ্ছে" বোতাম চাপুন।`,
    services: ({ services }) =>
      services.length === 0
        ? 'এখন কোনো সার্ভিসের ওপর নজর রাখা হচ্ছে না।'
        : ['যেসব সার্ভিসের ওপর আমরা নজর রাখি:', ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    servicesMatching: ({ given, services }) =>
      services.length === 0
        ? `"${given}" এর সঙ্গে কোনো সার্ভিস মেলেনি। /services সবগুলোর তালিকা দেয়।`
        : [`"${given}" এর সঙ্গে মেলে এমন সার্ভিস:`, ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    settings: ({ changed, languageName, timeZone, quietHours, mentionRoleId, remindMinutes, threads }) =>
      [
        changed ? 'সেটিংস সংরক্ষণ করা হয়েছে।' : 'এই চ্যাটের সেটিংস:',
        `ভাষা: ${languageName}`,
        `টাইম জোন: ${timeZone}`,
        `নীরব সময়: ${quiet(quietHours)}`,
        ...(mentionRoleId === undefined ? [] : [`সতর্কবার্তায় মেনশন করা রোল: ${mentionRoleId ?? 'নেই'}`]),
        `বিভ্রাট চলাকালীন রিমাইন্ডার: ${remindMinutes === null ? 'বন্ধ' : `${duration(remindMinutes * 60_000)} পরে, তারপর প্রতিবার দ্বিগুণ বিরতিতে (সর্বোচ্চ এক দিন)`}`,
        ...(threads === undefined ? [] : [`প্রতিটি বিভ্রাটের জন্য থ্রেড: ${threads ? 'চালু' : 'বন্ধ'}`]),
      ].join('\n'),
    invalidLanguage: ({ given, supported }) =>
      `"${given}" ভাষা আমি এখনো জানি না; এগুলোর একটি বেছে নিন: ${supported.join(', ')}।`,
    invalidTimeZone: ({ given }) =>
      `${given} নামে কোনো টাইম জোন আমার জানা নেই; Asia/Dhaka অথবা UTC দিয়ে চেষ্টা করুন।`,
    invalidQuietHours: ({ given }) =>
      `"${given}" সঠিক নীরব সময় নয়; যেমন 23:00-07:00 লিখুন, অথবা বন্ধ করতে off লিখুন।`,
    invalidRemindPace: ({ given, paces }) =>
      `"${given}" রিমাইন্ডারের সঠিক বিরতি নয়; ${paces.map(paceToken).join(', ')} থেকে একটি বেছে নিন, অথবা বন্ধ করতে off লিখুন।`,
    unknownCommand: ({ command }) => `${command} কমান্ডটি আমি চিনি না। /help দেখুন।`,
    unknownService: ({ given, suggestions }) =>
      suggestions.length === 0
        ? `"${given}" নামে কোনো সার্ভিস আমি চিনি না। /services-এ সবগুলোর তালিকা আছে।`
        : `"${given}" নামে কোনো সার্ভিস আমি চিনি না। আপনি কি ${suggestions.join(', ')} বোঝাতে চেয়েছেন?`,
    discordOnlySetting: ({ setting }) =>
      setting === 'threads'
        ? 'ঘটনার থ্রেড শুধু Discord-এ পাওয়া যায়। এখানে সতর্কবার্তা সেই টপিকে যায় যেখানে /subscribe পাঠানো হয়েছিল: কোনো ফোরাম টপিকে সেগুলো পেতে সেখানেই সাবস্ক্রাইব করুন।'
        : 'বিভ্রাটের রোল শুধু Discord-এ পাওয়া যায়। এখানে প্রতিটি সতর্কবার্তা চ্যাটকে জানায়, যদি না শান্ত সময় ঠিক করা থাকে (/settings)।',
    missingArgument: ({ command, argument }) => `${command} কমান্ডের সাথে ${ARGUMENT[argument]} দিতে হবে।`,
    adminRequired: () => 'এটি শুধু এই চ্যাটের অ্যাডমিনরা করতে পারেন।',
    rateLimited: ({ retryAfterMs }) => `একটু ধীরে! ${duration(retryAfterMs)} পরে আবার চেষ্টা করুন।`,
    missingPermissions: ({ channel, permissions }) =>
      `${channel} চ্যানেলে আমি সতর্কবার্তা পাঠাতে পারছি না; এই অনুমতিগুলো নেই: ${permissions.join(', ')}।`,
    quietHoursSummary: ({ incidents, timeZone }) =>
      [
        `আপনার নীরব সময়ে যা ঘটেছে: ${n(incidents.length)}টি ঘটনা`,
        ...incidents.map((i) => incidentLine(i, timeZone)),
      ].join('\n'),
    muted: ({ serviceName, until, timeZone }) =>
      `${serviceName}: এই চ্যাটে ${formatTime(FORMAT, until, timeZone)} পর্যন্ত সতর্কবার্তা বন্ধ থাকবে।`,
    silences: ({ allUntil, services, timeZone }) =>
      allUntil === null && services.length === 0
        ? 'এই চ্যাটে কোনো নীরবতা নেই। /silence <service|all> <duration> দিয়ে চালু করুন (অ্যাডমিন)।'
        : [
            'এই চ্যাটের নীরবতা:',
            ...(allUntil === null
              ? []
              : [`• সব সার্ভিস: ${formatDateTime(FORMAT, allUntil, timeZone)} পর্যন্ত`]),
            ...services.map((s) => `• ${s.serviceName}: ${formatDateTime(FORMAT, s.until, timeZone)} পর্যন্ত`),
          ].join('\n'),
    silenced: ({ until, timeZone }) =>
      `এই চ্যাটের সব সতর্কবার্তা ${formatDateTime(FORMAT, until, timeZone)} পর্যন্ত নীরব থাকবে। এর মধ্যে যা ঘটবে, পরে একটি সারসংক্ষেপে আসবে; আগে শেষ করতে /silence off।`,
    silenceEnded: () => 'নীরবতা শেষ হয়েছে; এর মধ্যে আটকে থাকা সতর্কবার্তা একটি সারসংক্ষেপে আসবে।',
    notSilenced: () => 'এই চ্যাট নীরব নেই।',
    silenceOneService: ({ serviceName }) =>
      `শুধু ${serviceName} নীরব রাখা এখনো সম্ভব নয়: /silence <service|all> <duration> দিয়ে সব সার্ভিস নীরব রাখুন, অথবা /unsubscribe দিয়ে ওই সার্ভিসের সতর্কবার্তা বন্ধ করুন।`,
    serviceSilenced: ({ serviceName, until, timeZone }) =>
      `${formatDateTime(FORMAT, until, timeZone)} পর্যন্ত ${serviceName} সম্পর্কে কিছুই এই চ্যাটে আসবে না। তারপর তখনও চলমান কোনো ঘটনার সতর্কবার্তা এখানে আসবে, আর এর মধ্যে শুরু হয়ে শেষ হয়ে যাওয়া ঘটনা আসবে না; আগে শেষ করতে /silence off ${serviceName}।`,
    serviceSilenceEnded: ({ serviceName }) =>
      `${serviceName}-এর নীরবতা শেষ হয়েছে; এর কোনো ঘটনা এখনও চললে তার সতর্কবার্তা এখনই এখানে আসবে।`,
    serviceNotSilenced: ({ serviceName }) => `এই চ্যাটে ${serviceName} নীরব নেই।`,
    invalidSilenceDuration: ({ given }) =>
      given === null
        ? 'কতক্ষণ নীরব রাখবেন লিখুন: ১০ মিনিট থেকে ৭ দিন, যেমন 2h।'
        : `"${given}" সঠিক সময় নয়: ১০ মিনিট থেকে ৭ দিনের মধ্যে লিখুন, যেমন 2h।`,
    storageUnavailable: () =>
      'এটি সংরক্ষণ করা গেল না: বটের স্টোরেজে এখন লেখা যাচ্ছে না। সতর্কবার্তা তবুও যাবে; একটু পরে আবার চেষ্টা করুন।',
    internalError: () => 'আমাদের দিকে কিছু একটা গোলমাল হয়েছে। একটু পরে আবার চেষ্টা করুন।',
    noteAdded: ({ serviceName, open }) =>
      open
        ? `${serviceName}-এর চলমান ঘটনায় নোট যোগ হয়েছে; সতর্কবার্তায় তা দেখা যাবে।`
        : `${serviceName}-এর সর্বশেষ (মিটে যাওয়া) ঘটনায় নোট যোগ হয়েছে; সতর্কবার্তায় তা দেখা যাবে।`,
    noteNoIncident: ({ serviceName }) =>
      `${serviceName}-এর কোনো চলমান ঘটনা নেই, গত এক দিনেও ছিল না: নোট করার কিছু নেই।`,
    noteNotAllowed: () =>
      'এই ঘটনায় নোট শুধু বটের অপারেটররা দিতে পারেন (কমিউনিটির অ্যাডমিনরা নিজেদের মনিটরের ঘটনায় পারেন)।',
    noteTooLong: ({ max }) => `একটি নোট সর্বোচ্চ ${n(max)} অক্ষরের হতে পারে।`,
    maintenanceUsage: () =>
      [
        'নিজের মনিটরের রক্ষণাবেক্ষণ পরিকল্পনা করুন (অ্যাডমিন):',
        '/maintenance <monitor> <start> <duration>',
        '/maintenance cancel <monitor>',
        '/maintenance list',
        'শুরু: now, HH:MM বা YYYY-MM-DD HH:MM, এই চ্যাটের সময় অঞ্চলে; সময়কাল ৫ মিনিট থেকে ৭ দিন।',
      ].join('\n'),
    maintenanceSet: ({ name, start, end, timeZone }) =>
      `${name}-এর রক্ষণাবেক্ষণ ${formatDateTime(FORMAT, start, timeZone)} থেকে ${formatDateTime(FORMAT, end, timeZone)} পর্যন্ত: এর মধ্যে কোনো সতর্কবার্তা নেই। শেষ হওয়ার সময়ও যা ব্যর্থ থাকবে, তখন তার সতর্কবার্তা আসবে; আগে শেষ করতে /maintenance cancel ${name}।`,
    maintenanceList: ({ windows, now, timeZone }) =>
      windows.length === 0
        ? 'কোনো রক্ষণাবেক্ষণ পরিকল্পিত নেই। /maintenance <monitor> <start> <duration> দিয়ে পরিকল্পনা করুন (অ্যাডমিন)।'
        : [
            'রক্ষণাবেক্ষণ:',
            ...windows.map(
              (w) =>
                `• ${w.name}: ${formatDateTime(FORMAT, w.start, timeZone)} – ${formatDateTime(FORMAT, w.end, timeZone)}${w.start <= now ? ' (চলছে)' : ''}`,
            ),
          ].join('\n'),
    maintenanceCancelled: ({ name }) =>
      `${name}-এর রক্ষণাবেক্ষণ বাতিল হয়েছে; এখনও ব্যর্থ থাকলে তার সতর্কবার্তা এখনই আসবে।`,
    maintenanceNone: ({ name }) => `${name}-এর কোনো রক্ষণাবেক্ষণ পরিকল্পিত নেই।`,
    maintenanceUnknownMonitor: ({ given, known }) =>
      known.length === 0
        ? `এই কমিউনিটির “${given}” নামে কোনো মনিটর নেই, অন্য কোনোটিও এখনো নেই: /monitor add দিয়ে যোগ করুন।`
        : `এই কমিউনিটির “${given}” নামে কোনো মনিটর নেই। এর মনিটরগুলো: ${known.join(', ')}।`,
    maintenanceBadStart: ({ given }) =>
      given === null
        ? 'কখন শুরু হবে বলুন: now, HH:MM বা YYYY-MM-DD HH:MM, এই চ্যাটের সময় অঞ্চলে।'
        : `“${given}” শুরুর সময় নয়: now, HH:MM বা YYYY-MM-DD HH:MM দিন, এই চ্যাটের সময় অঞ্চলে।`,
    maintenancePastStart: ({ given }) =>
      `এই চ্যাটের সময় অঞ্চলে ${given} পেরিয়ে গেছে: পরের কোনো সময় দিন, অথবা now।`,
    maintenanceBadDuration: ({ given }) =>
      given === null
        ? 'কতক্ষণ চলবে বলুন: ৫ মিনিট থেকে ৭ দিন, যেমন 2h।'
        : `“${given}” রক্ষণাবেক্ষণের সময়কাল নয়: ৫ মিনিট থেকে ৭ দিন দিন, যেমন 2h।`,
  },
  monitors: {
    usage: () => MONITOR_USAGE,
    notEnabled: () => 'এই বটে নিজস্ব মনিটর চালু করা নেই।',
    added: ({ monitor: m }) =>
      `“${m.name}” যোগ হয়েছে: ${m.target}, প্রতি ${duration(m.intervalMs)} পরপর পরীক্ষা। এই চ্যাট এর সতর্কবার্তা পাবে।`,
    refused: ({ reason }) => `এই লক্ষ্য যোগ করা যাবে না। ${reason}`,
    invalidName: () => 'নামে শুধু অক্ষর, সংখ্যা, ফাঁকা জায়গা এবং - _ . থাকতে পারে (সর্বোচ্চ ৪০টি)।',
    nameTaken: ({ name }) => `“${name}” নামে একটি মনিটর আগে থেকেই আছে।`,
    limitReached: ({ limit }) =>
      `এখানে সর্বোচ্চ ${n(limit)}টি মনিটর রাখা যায়। আগে একটি সরান (/monitor remove)।`,
    intervalTooShort: ({ minIntervalMs }) => `সবচেয়ে ঘন ঘন পরীক্ষা: প্রতি ${duration(minIntervalMs)} পরপর।`,
    invalidInterval: ({ given }) => `"${given}" কোনো সময়ের ব্যবধান নয়; যেমন 60s, 5m অথবা 1h লিখুন।`,
    removed: ({ name }) => `“${name}” সরানো হয়েছে।`,
    notFound: ({ name }) => `“${name}” নামে কোনো মনিটর নেই।`,
    listing: ({ monitors, limit, audit, timeZone }) =>
      [
        `মনিটর (${n(monitors.length)}/${n(limit)}):`,
        ...(monitors.length === 0
          ? ['এখনও কোনো মনিটর নেই। /monitor add দিয়ে যোগ করুন।']
          : monitors.map(monitorLine)),
        ...(audit.length === 0
          ? []
          : [
              '',
              'সাম্প্রতিক পরিবর্তন:',
              ...audit.map(
                (a) =>
                  `${formatDateTime(FORMAT, a.at, timeZone)}: ${a.actor} ${a.action === 'add' ? 'যোগ করেছেন' : 'সরিয়েছেন'} “${a.name}”`,
              ),
            ]),
      ].join('\n'),
    watchUsage: () =>
      [
        'এখানে একটি অফিসিয়াল স্ট্যাটাস পাতা অনুসরণ করুন (অ্যাডমিন):',
        '/watch <url> [components] — যেমন /watch https://www.githubstatus.com/',
        'স্ট্যাটাস পাতা, জেসন সারাংশ ও আরএসএস/অ্যাটম ফিড পড়া যায়; একাধিক কম্পোনেন্ট কমা দিয়ে আলাদা করুন। /monitor remove দিয়ে সরান।',
      ].join('\n'),
    watchAdded: ({ name, url, components, intervalMs }) =>
      `“${name}” অনুসরণ করা হচ্ছে: ${url}${components.length === 0 ? '' : ` (শুধু ${components.join(', ')})`}, প্রতি ${duration(intervalMs)} পর পর পড়া হবে। এর সতর্কবার্তা এই চ্যাটে আসবে; /monitor remove ${name} দিয়ে বন্ধ করুন।`,
    notStatusPage: ({ found }) =>
      `এটি এমন স্ট্যাটাস ফিড নয় যা আমি পড়তে পারি: পেয়েছি ${WATCH_FINDING(found)}। পাতার জেসন সারাংশ (যেমন https://status.example.com/api/v2/summary.json) অথবা তার ফিড (https://status.example.com/history.rss) দিয়ে চেষ্টা করুন।`,
    unknownComponents: ({ unknown, known, more }) =>
      `এই পাতায় ${unknown.map((u) => `“${u}”`).join(', ')} নামে কোনো কম্পোনেন্ট নেই। আছে: ${known.join(', ')}${more > 0 ? ` এবং আরও ${n(more)}টি` : ''}।`,
  },
  ssrf: SSRF,
  commandMenu: COMMAND_MENU,
  commandHelp: COMMAND_HELP,
  commandOptions: {
    serviceOrAll: 'একটি সার্ভিস, অথবা "all" (সব)',
    serviceOptional: 'সব সার্ভিসের জন্য খালি রাখুন',
    serviceReport: 'যে সার্ভিস আপনার জন্য কাজ করছে না',
    severity: 'major: শুধু বিভ্রাট; minor: সমস্যাও (ডিফল্ট)',
    severityMinor: 'minor: সমস্যা ও বিভ্রাট',
    severityMajor: 'major: শুধু বিভ্রাট',
    problem: 'কী সমস্যা হচ্ছে',
    language: 'এই চ্যানেলে সতর্কবার্তা ও উত্তরের ভাষা',
    timezone: 'টাইম জোন, যেমন Asia/Dhaka বা UTC',
    quiet: 'নীরব সময়, যেমন 23:00-07:00, অথবা off',
    role: 'কোনো সার্ভিসে বড় বিভ্রাট হলে যে রোল মেনশন হবে',
    remind: 'বিভ্রাট চললে মনে করিয়ে দিন: 30m, 1h, 2h বা 4h (পরে আরও কম), অথবা off',
    threads: 'প্রতিটি বিভ্রাটের সতর্কবার্তা থেকে থ্রেড খুলুন, আপডেট সেখানে দিন',
    monitorAdd: 'একটি URL (https://…, চাইলে সাথে একটি শব্দ) বা host:port নজরে রাখুন',
    monitorName: '/status-এর জন্য ছোট একটি নাম, যেমন shop',
    monitorTarget: 'https://example.org/health (চাইলে সাথে একটি শব্দ) বা host:port',
    monitorEvery: 'কত পরপর পরীক্ষা হবে, যেমন 5m (ডিফল্ট: যত ঘন ঘন সম্ভব)',
    monitorRemove: 'আপনার কোনো মনিটর নজরে রাখা বন্ধ করুন',
    monitorRemoveName: 'যোগ করার সময় দেওয়া নাম',
    monitorList: 'আপনার মনিটরগুলো, আর কে সেগুলো যোগ বা বাদ দিয়েছে',
    silenceSet: 'কিছু সময়ের জন্য সতর্কবার্তা নীরব রাখুন',
    silenceDuration: 'কতক্ষণ: ১০ মিনিট থেকে ৭ দিন, যেমন 2h',
    silenceOff: 'নীরবতা এখনই শেষ করুন',
    silenceList: 'এই চ্যাটের নীরবতা',
    watchUrl: 'স্ট্যাটাস পাতা: তার ঠিকানা, জেসন সারাংশ বা আরএসএস/অ্যাটম ফিড',
    watchComponents: 'শুধু এই কম্পোনেন্টগুলো, কমা দিয়ে আলাদা (না দিলে পুরো পাতা)',
    servicesSearch: 'নাম, আইডি বা ডাকনামের অংশ (না দিলে সব সার্ভিস)',
    noteService: 'যে সার্ভিসের ঘটনা নিয়ে নোট',
    noteMark: 'নোটটি ঘটনা সম্পর্কে কী বলে (ঐচ্ছিক)',
    noteIdentified: 'identified: কারণ জানা গেছে',
    noteMonitoring: 'monitoring: সমাধান দেওয়া হয়েছে, নজরে আছে',
    noteResolved: 'resolved: লেখকের মতে ঠিক হয়ে গেছে',
    noteText: 'নোট, সাধারণ লেখা (সর্বোচ্চ ৫০০ অক্ষর)',
    boardOn: 'এখানে একটি সরাসরি অবস্থার বোর্ড পাঠান (আগেরটির বদলে)',
    boardOff: 'এই চ্যাটের বোর্ড হালনাগাদ করা বন্ধ করুন',
    maintenanceSet: 'রক্ষণাবেক্ষণ পরিকল্পনা করুন: এর মধ্যে সতর্কবার্তা নেই',
    maintenanceMonitor: 'আপনার একটি মনিটর, /monitor list যে নামে দেখায়',
    maintenanceStart: 'now, HH:MM বা YYYY-MM-DD HH:MM (এই চ্যাটের সময় অঞ্চল)',
    maintenanceDuration: 'কতক্ষণ: ৫ মিনিট থেকে ৭ দিন, যেমন 2h',
    maintenanceCancel: 'একটি মনিটরের রক্ষণাবেক্ষণ এখনই শেষ বা বাতিল করুন',
    maintenanceList: 'পরিকল্পিত ও চলমান রক্ষণাবেক্ষণ',
  },
  page: PAGE,
  problemWords: PROBLEM_WORDS,
  board: {
    title: () => 'সরাসরি অবস্থা',
    line: ({ name, state, since, timeZone }) =>
      since === null
        ? `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]}`
        : `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]}, ${formatDateTime(FORMAT, since, timeZone)} থেকে`,
    empty: () =>
      'এই চ্যাট এখনও কোনো সতর্কবার্তা পায় না, তাই বোর্ডে কিছু নেই। একজন অ্যাডমিন /subscribe <service|all> ব্যবহার করতে পারেন।',
    live: () => 'অবস্থা বদলালে এটি হালনাগাদ হয়। /board off দিলে থামে।',
    stopped: () => 'এই বোর্ড আর হালনাগাদ হয় না (/board off)।',
    moved: () => 'এই বোর্ড আর হালনাগাদ হয় না: এই চ্যাটে একটি নতুন বোর্ড পাঠানো হয়েছে।',
    started: ({ replaced }) =>
      replaced
        ? 'এখানে একটি নতুন সরাসরি বোর্ড পাঠানো হচ্ছে; পুরোনোটি আর হালনাগাদ হবে না।'
        : 'এখানে একটি সরাসরি বোর্ড পাঠানো হচ্ছে; এই চ্যাটের সেবাগুলোর অবস্থা বদলালে এটি সম্পাদিত হবে।',
    ended: () => 'বোর্ডটি থাকছে, তবে আর হালনাগাদ হবে না।',
    none: () => 'এই চ্যাটে কোনো সরাসরি বোর্ড নেই। /board দিলে একটি পাঠানো হয়।',
  },
};
