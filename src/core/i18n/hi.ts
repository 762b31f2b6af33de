import type { NoteMark } from '../incident-notes.js';
import type { NamedProblemKind, ProblemKind } from '../crowd/problem-kind.js';
import type { OutcomeReason, State } from '../model.js';
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
import type { PageText } from './page-text.js';
import { anyStem } from './stems.js';
import type { SsrfRefusalReason } from './ssrf-reasons.js';

/*
 * Hindi. Service names stay Latin (WhatsApp, GitHub); Hindi postpositions are separate words
 * (`WhatsApp में`, `GitHub की`), so a name takes them without guessing how it is pronounced.
 * "Service" is सेवा (plural सेवाएँ); technical words (HTTP, DNS, TLS, URL) stay Latin as in
 * the Bengali catalogue. Numbers are written in Devanagari digits (०-९): `Intl` gives Hindi
 * Latin digits unless asked (`-u-nu-deva`), and a Latin `pm` unless the part of the day is named.
 */

const FORMAT: LocaleFormat = { intlLocale: 'hi-u-nu-deva', dayPeriodFirst: true };

const n = (value: number): string => formatNumber(FORMAT, value);
/** A duration on its own: `१ घंटा ५ मिनट`. */
const durationAlone = (ms: number): string => formatDuration(FORMAT, ms);
/**
 * A duration before a postposition (`बाद`, `में`, `से`, `के लिए`) or after `हर`, where `घंटा`
 * takes its oblique form: `१ घंटे बाद`, `हर १ घंटे`. ICU only knows the direct form; दिन, मिनट
 * and सेकंड do not change.
 */
const DAY_MS = 86_400_000;
const duration = (ms: number): string => durationAlone(ms).replace(/घंटा/gu, 'घंटे');
/** `१ सेवा`, `३ सेवाएँ`. */
const count = (value: number, one: string, many: string): string => `${n(value)} ${value === 1 ? one : many}`;

/** Where a subscription's alerts go, in a forum (see `subscriptions`). */
const HI_TOPIC = {
  none: '',
  here: ' — इसी टॉपिक में',
  general: ' — General टॉपिक में',
  other: ' — किसी दूसरे टॉपिक में',
};

const STATE: Readonly<Record<State, string>> = {
  up: 'चालू',
  degraded: 'समस्या है',
  down: 'बंद',
  unknown: 'अज्ञात',
  maintenance: 'रखरखाव जारी',
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

/** The predicate after one service's name; `again` is inserted where it belongs. */
const PREDICATE: Readonly<Record<State, (again: string) => string>> = {
  up: (again) => `${again}चालू है`,
  degraded: (again) => `में ${again}समस्या है`,
  down: (again) => `${again}बंद है`,
  unknown: (again) => `${again}अज्ञात स्थिति में है`,
  maintenance: (again) => `में ${again}रखरखाव चल रहा है`,
};

/** The predicate after several services (`३ सेवाएँ …`, `WhatsApp, Instagram …`). */
const GROUP_PREDICATE: Readonly<Record<State, string>> = {
  up: 'चालू हैं',
  degraded: 'ठीक से नहीं चल रहीं',
  down: 'बंद हैं',
  unknown: 'अज्ञात स्थिति में हैं',
  maintenance: 'रखरखाव में हैं',
};

const PROBLEM: Readonly<Record<ProblemKind, string>> = {
  connection: 'कनेक्ट नहीं हो रहा',
  sending: 'मैसेज नहीं जा रहे',
  login: 'लॉगिन नहीं हो रहा',
  app: 'ऐप काम नहीं कर रहा',
  website: 'वेबसाइट काम नहीं कर रही',
  other: 'दूसरी समस्याएँ',
};

/**
 * `, ३ में से २ जगहों से बंद दिखा`: how many vantage points saw it down (see ProbeFacts). जगह
 * before `से` takes its oblique plural जगहों for several, the singular for one.
 */
const locations = (v: ProbeFacts['vantages']): string =>
  v === undefined
    ? ''
    : `, ${n(v.of)} में से ${n(v.down)} ${v.down === 1 ? 'जगह' : 'जगहों'} से ${STATE.down} दिखा`;

const REASON: Readonly<Record<OutcomeReason, (p: ProbeFacts) => string>> = {
  ok: () => 'ठीक है',
  slow: () => 'जवाब देने में देर',
  timeout: (p) =>
    p.timeoutMs === undefined ? 'समय पर जवाब नहीं मिला' : `${duration(p.timeoutMs)} इंतज़ार के बाद भी जवाब नहीं`,
  refused: () => 'कनेक्शन अस्वीकार किया गया',
  reset: () => 'कनेक्शन बीच में टूट गया',
  unreachable: () => 'नेटवर्क तक पहुँच नहीं',
  blocked: () => 'यह पता अनुमत नहीं (निजी या आरक्षित नेटवर्क)',
  'dns-nxdomain': () => 'DNS: ऐसा कोई डोमेन नहीं',
  'dns-servfail': () => 'DNS: सर्वर में गड़बड़ी',
  'dns-timeout': (p) =>
    p.timeoutMs === undefined ? 'DNS: कोई जवाब नहीं' : `DNS: ${duration(p.timeoutMs)} में कोई जवाब नहीं`,
  'dns-no-records': () => 'DNS: कोई रिकॉर्ड नहीं',
  'dns-mismatch': () => 'DNS: अनपेक्षित जवाब',
  tls: () => 'सुरक्षित कनेक्शन (TLS) नहीं बन पाया',
  'tls-expiring': (p) =>
    p.daysLeft === undefined
      ? 'सर्टिफ़िकेट की मियाद जल्द ख़त्म होगी'
      : `${duration(p.daysLeft * DAY_MS)} में सर्टिफ़िकेट की मियाद ख़त्म होगी`,
  'tls-expired': () => 'सर्टिफ़िकेट की मियाद ख़त्म',
  'http-status': (p) =>
    p.httpStatus === undefined ? 'अनपेक्षित HTTP स्टेटस' : `HTTP ${formatDigits(FORMAT, p.httpStatus)}`,
  assertion: () => 'पेज पर अपेक्षित सामग्री नहीं',
  'too-large': () => 'जवाब बहुत बड़ा है',
  redirects: (p) =>
    p.maxRedirects === undefined ? 'बहुत ज़्यादा रीडायरेक्ट' : `${n(p.maxRedirects)} से ज़्यादा रीडायरेक्ट`,
  protocol: () => 'जवाब सही नहीं है',
  'official-incident': () => 'आधिकारिक तौर पर घोषित समस्या',
  'official-maintenance': () => 'घोषित रखरखाव',
  'bad-payload': () => 'स्टेटस पेज पढ़ा नहीं जा सका',
  'missed-heartbeat': (p) =>
    p.silentMs === undefined ? 'तय समय पर संकेत नहीं आया' : `${duration(p.silentMs)} से कोई संकेत नहीं आया`,
  aborted: () => 'जाँच रद्द हुई',
  error: () => 'जाँच विफल रही',
};

/** `/note` marks as alerts show them. */
const NOTE_MARK: Readonly<Record<NoteMark, string>> = {
  identified: 'कारण पहचाना गया',
  monitoring: 'नज़र रखी जा रही है',
  resolved: 'लेखक के अनुसार सुलझ गया',
};

const ARGUMENT: Readonly<Record<CommandArgument, string>> = {
  service: 'सेवा का नाम (/services देखें)',
  problem: 'समस्या का छोटा-सा ब्योरा',
  severity: 'गंभीरता (major या minor)',
  language: 'भाषा का कोड (जैसे hi) या नाम (जैसे हिन्दी)',
  timezone: 'टाइम ज़ोन, जैसे Asia/Kolkata या UTC',
  quiet: 'शांत समय, जैसे 23:00-07:00, या off',
  role: 'अलर्ट में मेंशन होने वाला रोल, या off',
  name: 'मॉनिटर का नाम (एक शब्द, या उद्धरण-चिह्नों में)',
  target: 'लक्ष्य: https://example.com/ (चाहें तो साथ में एक शब्द) या host:port',
  note: 'नोट का पाठ',
  remind: 'याद दिलाने का अंतराल: 30m, 1h, 2h, 4h, या off',
  threads: 'on या off',
};

const target = (t: ServiceTarget): string => (t.kind === 'all' ? 'सभी सेवाएँ' : t.name);
const level = (severity: 'minor' | 'major'): string =>
  severity === 'major' ? 'सिर्फ़ बड़े आउटेज' : 'आउटेज और समस्याएँ';
/** A reminder pace as typed in `/settings remind` (`30m`, `1h`). */
const paceToken = (minutes: number): string => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
const quiet = (q: QuietHours | null): string =>
  q === null ? 'बंद' : `${formatTimeOfDay(FORMAT, q.startMinute)} – ${formatTimeOfDay(FORMAT, q.endMinute)}`;
const names = (serviceNames: readonly string[]): string => serviceNames.join(', ');

function incidentLine(i: IncidentSummary, timeZone: string): string {
  const kind = i.severity === 'major' ? 'आउटेज' : 'समस्या';
  const when = formatDateTime(FORMAT, i.startedAt, timeZone);
  return i.durationMs === undefined
    ? `• ${i.serviceName}: ${kind}, ${when} से, अभी जारी`
    : `• ${i.serviceName}: ${kind}, ${when}, अवधि ${durationAlone(i.durationMs)}`;
}

const REPORT_BUTTON = 'मुझे भी समस्या है';

const COMMAND_HELP: Readonly<Record<string, readonly [string, string]>> = {
  subscribe: ['/subscribe <service|all> [severity]', 'इस चैट में किसी सेवा के अलर्ट पाएँ (एडमिन)'],
  unsubscribe: ['/unsubscribe <service|all>', 'वे अलर्ट बंद करें (एडमिन)'],
  subscriptions: ['/subscriptions', 'इस चैट में किन सेवाओं के अलर्ट आते हैं'],
  status: ['/status [service]', 'सभी सेवाओं की झलक, या किसी एक का ब्योरा'],
  incidents: ['/incidents [service]', 'हाल की और जारी घटनाएँ'],
  report: ['/report <service> [problem]', 'कोई सेवा आपके लिए काम न करे तो हमें बताएँ'],
  services: ['/services [search]', 'जिन सेवाओं पर हम नज़र रखते हैं'],
  settings: [
    '/settings [language] [timezone] [quiet] [remind]',
    'इस चैट की भाषा, टाइम ज़ोन, शांत समय और आउटेज जारी रहने पर रिमाइंडर (एडमिन)',
  ],
  monitorAdd: [
    '/monitor add <name> <target> [every]',
    'अपनी साइट या सर्वर पर नज़र रखें (नाम एक शब्द); अलर्ट यहीं आएँगे (एडमिन)',
  ],
  monitorRemove: [
    '/monitor remove <name> | /monitor list',
    'नज़र रखना बंद करें; यह कम्युनिटी किन चीज़ों पर नज़र रखती है (एडमिन)',
  ],
  help: ['/help', 'यही मदद'],
  start: ['/start', '/help जैसा ही'],
  silence: [
    '/silence <service|all> <duration> | /silence off [service]',
    'एक सेवा के या सभी अलर्ट इस चैट में १० मिनट से ७ दिन तक रोकें, जैसे 2h; सिर्फ़ /silence से सूची (एडमिन)',
  ],
  watch: ['/watch <url> [components]', 'यहाँ किसी आधिकारिक स्टेटस पेज पर नज़र रखें (एडमिन)'],
  note: [
    '/note <service> [identified|monitoring|resolved] <text>',
    'सेवा की घटना पर नोट जोड़ें (ऑपरेटर; अपने मॉनिटर पर एडमिन)',
  ],
  board: ['/board | /board off', 'यहाँ लाइव स्थिति बोर्ड, स्थिति बदलने पर संपादित; off से रुकता है (एडमिन)'],
  maintenance: [
    '/maintenance <monitor> <start> <duration> | /maintenance cancel <monitor> | /maintenance list',
    'तय काम के दौरान अपने किसी मॉनिटर के अलर्ट रोकें; शुरुआत: now, HH:MM या YYYY-MM-DD HH:MM, इस चैट के समय क्षेत्र में (एडमिन)',
  ],
};

/** `/watch` को स्टेटस फ़ीड की जगह क्या मिला। */
const WATCH_FINDING = (found: WatchFinding): string => {
  switch (found.kind) {
    case 'html':
      return 'एक एचटीएमएल पेज (लोगों के पढ़ने का पेज, उसकी फ़ीड नहीं)';
    case 'unknown-json':
      return 'अनजाने ढाँचे का जेसन';
    case 'other-xml':
      return 'ऐसा एक्सएमएल जो न आरएसएस है न एटम';
    case 'empty':
      return 'एक खाली जवाब';
    case 'other':
      return 'ऐसा कुछ जो न जेसन है, न आरएसएस, न एटम';
    case 'unreadable':
      return 'एक फ़ीड जिसकी सामग्री पढ़ी नहीं जा सकी';
    case 'unreachable':
      return 'कोई जवाब नहीं (पता समय पर नहीं बोला, या किसी मना की गई जगह भेज दिया)';
    case 'http-status':
      return `HTTP ${n(found.status)} त्रुटि`;
  }
};

const MONITOR_USAGE = [
  'अपनी सेवा पर नज़र रखें (एडमिन):',
  '/monitor add <name> <target> [every] — जैसे /monitor add shop https://shop.example.com/ 5m',
  '/monitor remove <name>',
  '/monitor list',
  'नाम एक शब्द है (या उद्धरण-चिह्नों में)। लक्ष्य एक http(s) URL है, चाहें तो उसके बाद एक शब्द जो पेज पर होना चाहिए, या TCP जाँच के लिए host:port। "every": 60s, 5m, 1h…',
].join('\n');

const monitorLine = (m: MonitorLine): string => `• ${m.name}: ${m.target} (हर ${duration(m.intervalMs)})`;

const NOT_WATCHED = 'इसलिए इस पर नज़र नहीं रखी जा सकती।';

const SSRF: Readonly<Record<SsrfRefusalReason, string>> = {
  'malformed-target': 'यह लक्ष्य समझ नहीं आया। https://example.com/ या host:port लिखें।',
  'unsupported-scheme': 'सिर्फ़ http://, https:// और host:port (TCP) लक्ष्यों पर नज़र रखी जा सकती है।',
  'credentials-in-url': 'जिस URL में यूज़रनेम या पासवर्ड हो, वह लक्ष्य स्वीकार नहीं किया जाता।',
  'internal-name': `यह नाम किसी निजी नेटवर्क के अंदर की ओर इशारा करता है, ${NOT_WATCHED}`,
  'cloud-metadata': 'यह क्लाउड मेटाडेटा पता है, इस पर कभी नज़र नहीं रखी जाती।',
  loopback: `यह पता बॉट की अपनी मशीन (लूपबैक) का है, ${NOT_WATCHED}`,
  private: `यह पता एक निजी नेटवर्क (RFC 1918) में है, ${NOT_WATCHED}`,
  cgnat: `यह पता कैरियर-ग्रेड NAT रेंज (100.64.0.0/10) में है, ${NOT_WATCHED}`,
  'link-local': `यह एक लिंक-लोकल पता है, ${NOT_WATCHED}`,
  multicast: `यह एक मल्टीकास्ट पता है, ${NOT_WATCHED}`,
  broadcast: `यह एक ब्रॉडकास्ट पता है, ${NOT_WATCHED}`,
  unspecified: `यह एक अनिर्दिष्ट पता (0.0.0.0 या ::) है, ${NOT_WATCHED}`,
  reserved: `यह पता आरक्षित है (दस्तावेज़ीकरण, बेंचमार्क या भविष्य के लिए), ${NOT_WATCHED}`,
  'unique-local': `यह एक निजी IPv6 पता (यूनिक लोकल) है, ${NOT_WATCHED}`,
  'site-local': `यह एक साइट-लोकल IPv6 पता है, ${NOT_WATCHED}`,
  'ipv6-transition': 'इस IPv6 पते के अंदर एक IPv4 पता है (mapped, 6to4, Teredo या NAT64); सीधा पता दें।',
  'dns-failed': 'इस नाम का पता नहीं मिल सका।',
  'no-address': 'इस नाम का कोई पता नहीं है।',
};

const COMMAND_MENU: Readonly<Record<string, string>> = {
  start: 'शुरू करें: यह बॉट क्या करता है',
  help: 'इस बॉट का इस्तेमाल कैसे करें',
  subscribe: 'यहाँ किसी सेवा (या सभी) के अलर्ट पाएँ — एडमिन',
  unsubscribe: 'किसी सेवा (या सभी) के अलर्ट बंद करें — एडमिन',
  subscriptions: 'इस चैट में किन सेवाओं के अलर्ट आते हैं',
  status: 'किसी एक सेवा का ब्योरा, या सभी की झलक',
  incidents: 'हाल की और जारी घटनाएँ',
  report: 'किसी सेवा में आ रही समस्या की रिपोर्ट करें',
  services: 'जिन सेवाओं पर नज़र रखी जा रही है',
  settings: 'भाषा, टाइम ज़ोन, शांत समय और रिमाइंडर — एडमिन',
  monitor: 'अपनी वेबसाइट या सर्वर पर नज़र रखें: add, remove, list — एडमिन',
  silence: 'कुछ देर के लिए यहाँ अलर्ट मौन करें, ख़त्म करें, सूची देखें — एडमिन',
  watch: 'यहाँ किसी आधिकारिक स्टेटस पेज पर नज़र रखें — एडमिन',
  note: 'किसी घटना पर नोट जोड़ें — ऑपरेटर और मॉनिटर के मालिक',
  board: 'यहाँ लाइव स्थिति बोर्ड, हमेशा अपडेट — एडमिन',
  maintenance: 'अपने मॉनिटर का रखरखाव तय करें, रद्द करें, सूची — एडमिन',
};

const PAGE: PageText = {
  title: 'सेवाओं की स्थिति',
  skipToContent: 'मुख्य सामग्री पर जाएँ',
  blindBanner: 'मॉनिटर के अपने नेटवर्क में समस्या है; दिखाई गई स्थितियाँ ताज़ा नहीं हैं।',
  unstable: 'अस्थिर',
  ongoing: 'जारी समस्याएँ',
  noOngoing: 'अभी कोई समस्या नहीं।',
  services: 'सेवाएँ',
  overview: ({ total, problems }) =>
    `${count(total, 'सेवा', 'सेवाएँ')}, ${problems === 0 ? 'किसी में समस्या नहीं' : `${n(problems)} में समस्या`}।`,
  attention: 'समस्या वाली सेवाएँ',
  otherServices: 'अन्य सेवाएँ',
  ungrouped: 'किसी समूह में नहीं',
  serviceCount: (value) => count(value, 'सेवा', 'सेवाएँ'),
  recentResolved: 'हाल में सुलझीं',
  noResolved: 'हाल में कुछ नहीं सुलझा।',
  since: 'कब से:',
  plannedUntil: 'पूर्वनियोजित, कब तक:',
  started: 'शुरुआत',
  resolvedAfter: (ms) => `${duration(ms)} बाद सुलझी`,
  lastingFor: (ms) => `${duration(ms)} से जारी`,
  barLabel: (days) => `पिछले ${n(days)} दिनों की उपलब्धता`,
  dayTitle: ({ date, uptime, incidents, state }) =>
    `${date}: ${uptime === null ? 'कोई जाँच नहीं' : `${formatPercent(FORMAT, uptime)} समय चालू`}, ` +
    `${count(incidents, 'समस्या', 'समस्याएँ')} (${state})`,
  chartTitle: `जवाब देने का समय, पिछले ${n(24)} घंटे`,
  chartDesc: ({ checks, failures, reports }) =>
    `पिछले ${n(24)} घंटों में ${count(checks, 'जाँच', 'जाँचें')}, ${n(failures)} विफल, ${n(reports)} यूज़र रिपोर्ट`,
  incidentHistory: 'घटनाओं का इतिहास',
  noIncidents: 'कोई घटना दर्ज नहीं।',
  monitors: 'मॉनिटर',
  lastCheck: 'पिछली जाँच',
  never: 'अभी तक जाँच नहीं हुई',
  notFound: 'नहीं मिला',
  notFoundBody: 'इस आईडी की कोई सेवा नहीं है।',
  backToAll: 'सभी सेवाएँ',
  severity: { minor: 'मामूली', major: 'गंभीर' },
  language: 'भाषा',
  latencyAxis: 'मि.से.',
  failuresLegend: 'विफल जाँचें',
  reportsLegend: 'यूज़र रिपोर्ट',
  uptimeTitle: 'उपलब्धता और जवाब देने का समय',
  uptimePeriod: (days) => `पिछले ${n(days)} दिन`,
  uptimeHeader: 'उपलब्धता',
  p95Header: 'जवाब देने का समय (हर घंटे के ९५वें पर्सेंटाइल का ९५वाँ पर्सेंटाइल)',
  noData: 'कोई जाँच नहीं',
  uptimeNote:
    'उपलब्धता: जो जाँचें विफल नहीं हुईं उनका हिस्सा। जवाब देने का समय: हर घंटे के ९५वें पर्सेंटाइल का ९५वाँ पर्सेंटाइल, क्योंकि घंटे के सारांश में हर जाँच नहीं, केवल उस घंटे का ९५वाँ पर्सेंटाइल रखा जाता है।',
  feedOngoing: ({ serviceName, state, date }) => `${serviceName}: ${date} से ${state}`,
  feedResolved: ({ serviceName, durationMs }) => `${serviceName}: ${duration(durationMs)} बाद सुलझी`,
};

/** Hindi stems (भेज matches भेजा, भेजे, भेजना). */
const PROBLEM_WORDS: Readonly<Record<NamedProblemKind, RegExp>> = {
  login: anyStem(['लॉगिन', 'लॉग इन', 'लोगिन', 'लॉग आउट', 'साइन इन', 'पासवर्ड', 'ओटीपी', 'अकाउंट', 'खाता']),
  sending: anyStem(['मैसेज', 'मेसेज', 'संदेश', 'भेज', 'सेंड', 'डिलीवर', 'अपलोड']),
  website: anyStem(['वेबसाइट', 'वेब', 'साइट', 'ब्राउज़र', 'ब्राउजर']),
  connection: anyStem(['कनेक्ट', 'कनेक्शन', 'जुड़', 'नेटवर्क', 'सर्वर', 'ऑफलाइन', 'ऑफ़लाइन', 'इंटरनेट']),
  app: anyStem(['ऐप', 'एप्प', 'क्रैश', 'खुल नहीं', 'लोड', 'फ़ीड', 'फीड']),
};

export const hi: Catalogue<'hi'> = {
  locale: 'hi',
  languageName: 'हिन्दी',
  languageAliases: ['hindi', 'हिन्दी', 'हिंदी', 'হিন্দি'],
  hints: ['hi'],
  offWords: ['बंद'],
  format: FORMAT,
  state: STATE,
  alert: {
    title: ({ change, serviceName, state }) =>
      `${change === 'updated' ? 'अपडेट: ' : ''}${serviceName} ${PREDICATE[state](change === 'reopened' ? 'फिर से ' : '')}`,
    unstable: ({ change, serviceName }) =>
      `${change === 'updated' ? 'अपडेट: ' : ''}${serviceName} ${change === 'reopened' ? 'फिर से ' : ''}अस्थिर है: बार-बार बंद होकर चालू हो रहा है`,
    recovered: ({ serviceName, durationMs }) => `${serviceName} ${duration(durationMs)} बाद फिर से चालू है`,
    threadName: ({ serviceName, startedAt, timeZone }) =>
      `${serviceName} आउटेज — ${formatDateTime(FORMAT, startedAt, timeZone)}`,
    stillDown: ({ serviceName, durationMs }) =>
      `याद दिला दें: ${serviceName} अब भी बंद है, ${duration(durationMs)} से`,
    unconfirmed: ({ serviceName, durationMs }) =>
      `${serviceName}: ${duration(durationMs)} बाद समस्या की अब पुष्टि नहीं हो रही; हमारी जाँच से कोई नतीजा नहीं निकल रहा`,
    groupTitle: ({ groupName, serviceNames, state, otherCount, unstable }) =>
      (groupName === null
        ? `${count(serviceNames.length, 'सेवा', 'सेवाएँ')} ${unstable === true ? 'अस्थिर हैं' : GROUP_PREDICATE[state]}: ${names(serviceNames)}`
        : `${groupName} सेवाएँ: ${names(serviceNames)} ${unstable === true ? 'अस्थिर हैं' : GROUP_PREDICATE[state]}`) +
      (otherCount === 0 ? '' : `; ${n(otherCount)} और ${otherCount === 1 ? 'सेवा' : 'सेवाओं'} पर असर`),
    groupRecovered: ({ groupName, serviceNames, durationMs }) =>
      `${groupName === null ? 'फिर से चालू' : `${groupName} सेवाएँ फिर से चालू`}: ${names(serviceNames)} (${duration(durationMs)} बाद)`,
    peakedDown: ({ serviceNames }) =>
      serviceNames.length === 0
        ? `सबसे बुरे दौर में: ${STATE.down}`
        : `सबसे बुरे दौर में ${STATE.down}: ${names(serviceNames)}`,
    serviceState: ({ serviceName, state }) => `${serviceName}: ${STATE[state]}`,
    serviceEvidence: ({ serviceName, line }) => `${serviceName} — ${line}`,
    since: ({ at, timeZone }) => `शुरुआत: ${formatDateTime(FORMAT, at, timeZone)}`,
    sinceLabel: 'शुरुआत',
    durationLabel: 'अवधि',
    duration: ({ durationMs }) => durationAlone(durationMs),
    moreLines: ({ count: more }) => `… और ${n(more)}`,
    footer: ({ incidentIds }) =>
      `${incidentIds.length === 1 ? 'घटना' : 'घटनाएँ'} ${incidentIds.map((id) => `#${formatDigits(FORMAT, id)}`).join(', ')}`,
    statusPageLink: 'स्टेटस पेज',
    note: ({ mark, text }) => (mark === null ? `नोट: ${text}` : `नोट (${NOTE_MARK[mark]}): ${text}`),
  },
  evidence: {
    probe: (p) =>
      `${p.target}: ${REASON[p.reason](p)}${p.detail === undefined ? '' : ` (${p.detail})`}${locations(p.vantages)}`,
    reason: (p) => REASON[p.reason](p),
    official: ({ serviceName, line }) => `${serviceName} का कहना है: ${line}`,
    unstable: ({ target, changes, windowMs }) =>
      `${target}: अस्थिर, ${duration(windowMs)} में ${n(changes)} बार स्थिति बदली`,
    crowdReports: ({ level, reporters }) =>
      level === 'detected'
        ? `बहुत-से यूज़र समस्या बता रहे हैं: ${n(reporters)} रिपोर्ट`
        : `${n(reporters)} यूज़र रिपोर्ट, सामान्य से ज़्यादा`,
    crowdTopProblem: ({ kind, share }) => `${formatPercent(FORMAT, share)} रिपोर्ट में: ${PROBLEM[kind]}`,
    problemKind: (kind) => PROBLEM[kind],
  },
  buttons: {
    report: REPORT_BUTTON,
    mute: ({ durationMs }) => `${duration(durationMs)} के लिए म्यूट करें`,
  },
  commands: {
    help: ({ withStart }) =>
      [
        'मैं ऑनलाइन सेवाओं पर नज़र रखता हूँ, और कोई सेवा बंद होने या फिर से चालू होने पर यहाँ बताता हूँ। कमांड:',
        ...Object.entries(COMMAND_HELP)
          .filter(([key]) => key !== 'start' || withStart)
          .map(([, [command, what]]) => `${command} — ${what}`),
        'गंभीरता: "major" देने पर सिर्फ़ बड़े आउटेज, "minor" देने पर छोटी समस्याएँ भी बताई जाएँगी।',
      ].join('\n'),
    subscribed: ({ target: t, severity }) => `अब इस चैट में अलर्ट आएँगे: ${target(t)} (${level(severity)})।`,
    unsubscribed: ({ target: t }) => `इस चैट में अब अलर्ट नहीं आएँगे: ${target(t)}।`,
    notSubscribed: ({ target: t }) => `इस चैट में पहले से ही अलर्ट नहीं आ रहे थे: ${target(t)}।`,
    subscriptions: ({ items }) =>
      items.length === 0
        ? 'इस चैट में अभी कोई अलर्ट नहीं आता। एडमिन /subscribe <service|all> से शुरू कर सकते हैं।'
        : [
            'इस चैट में इन सेवाओं के अलर्ट आते हैं:',
            ...items.map((i) => `• ${target(i.target)} (${level(i.severity)})${HI_TOPIC[i.topic ?? 'none']}`),
          ].join('\n'),
    statusOverview: ({ services, timeZone }) =>
      services.length === 0
        ? 'अभी किसी सेवा पर नज़र नहीं रखी जा रही।'
        : services
            .map((s) =>
              s.state === 'up'
                ? `• ${s.name}: ${STATE[s.state]}`
                : `• ${s.name}: ${STATE[s.state]}, ${formatDateTime(FORMAT, s.since, timeZone)} से`,
            )
            .join('\n'),
    statusDetail: ({ service, evidence, timeZone }) =>
      [
        `${service.name}: ${STATE[service.state]}, ${formatDateTime(FORMAT, service.since, timeZone)} से`,
        ...evidence.map((line) => `• ${line}`),
      ].join('\n'),
    incidents: ({ incidents, timeZone }) =>
      incidents.length === 0
        ? 'हाल में कोई घटना नहीं।'
        : ['हाल की घटनाएँ:', ...incidents.map((i) => incidentLine(i, timeZone))].join('\n'),
    reportAcknowledged: ({ serviceName, problem }) =>
      `धन्यवाद, ${serviceName} के बारे में आपकी रिपोर्ट (${PROBLEM[problem]}) गिन ली गई है।`,
    communityNotice: ({ serviceName, reporters }) =>
      `${serviceName}: यहाँ के ${count(reporters, 'सदस्य', 'सदस्यों')} ने समस्या बताई है; हमारी जाँच और दूसरी कम्युनिटी को अभी कुछ नहीं दिख रहा। यह सिर्फ़ इस चैट को बताया गया है; दूसरी कम्युनिटी या हमारी जाँच से पुष्टि होने पर अलर्ट भेजा जाएगा।`,
    alreadyReported: ({ serviceName, windowMs }) =>
      `आप पिछले ${duration(windowMs)} में ${serviceName} की रिपोर्ट कर चुके हैं; एक रिपोर्ट काफ़ी है।`,
    reportNeedsPerson: ({ serviceName }) =>
      `रिपोर्ट हर व्यक्ति के हिसाब से गिनी जाती हैं, इसलिए गुमनाम या चैनल के नाम से भेजी गई रिपोर्ट नहीं गिनी जातीं। ${serviceName} की रिपोर्ट करने के लिए अपने नाम से /report भेजें, या किसी अलर्ट पर "${REPORT_BUTTON}" बटन दबाएँ।`,
    services: ({ services }) =>
      services.length === 0
        ? 'अभी किसी सेवा पर नज़र नहीं रखी जा रही।'
        : ['जिन सेवाओं पर हम नज़र रखते हैं:', ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    servicesMatching: ({ given, services }) =>
      services.length === 0
        ? `"${given}" से कोई सेवा मेल नहीं खाती। /services सबकी सूची देता है।`
        : [`"${given}" से मेल खाने वाली सेवाएँ:`, ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    settings: ({ changed, languageName, timeZone, quietHours, mentionRoleId, remindMinutes, threads }) =>
      [
        changed ? 'सेटिंग्स सेव हो गईं।' : 'इस चैट की सेटिंग्स:',
        `भाषा: ${languageName}`,
        `टाइम ज़ोन: ${timeZone}`,
        `शांत समय: ${quiet(quietHours)}`,
        ...(mentionRoleId === undefined ? [] : [`अलर्ट में मेंशन होने वाला रोल: ${mentionRoleId ?? 'कोई नहीं'}`]),
        `आउटेज जारी रहने पर रिमाइंडर: ${remindMinutes === null ? 'बंद' : `${duration(remindMinutes * 60_000)} बाद, फिर हर बार दोगुने अंतर पर (ज़्यादा से ज़्यादा एक दिन)`}`,
        ...(threads === undefined ? [] : [`हर आउटेज के लिए थ्रेड: ${threads ? 'चालू' : 'बंद'}`]),
      ].join('\n'),
    invalidLanguage: ({ given, supported }) =>
      `"${given}" भाषा मुझे अभी नहीं आती; इनमें से कोई चुनें: ${supported.join(', ')}।`,
    invalidTimeZone: ({ given }) => `${given} नाम का कोई टाइम ज़ोन मुझे नहीं पता; Asia/Kolkata या UTC आज़माएँ।`,
    invalidQuietHours: ({ given }) =>
      `"${given}" सही शांत समय नहीं है; जैसे 23:00-07:00 लिखें, या बंद करने के लिए off लिखें।`,
    invalidRemindPace: ({ given, paces }) =>
      `"${given}" रिमाइंडर का सही अंतराल नहीं है; ${paces.map(paceToken).join(', ')} में से कोई चुनें, या बंद करने के लिए off लिखें।`,
    unknownCommand: ({ command }) => `${command} कमांड मुझे नहीं पता। /help देखें।`,
    unknownService: ({ given, suggestions }) =>
      suggestions.length === 0
        ? `"${given}" नाम की कोई सेवा मुझे नहीं पता। /services में पूरी सूची है।`
        : `"${given}" नाम की कोई सेवा मुझे नहीं पता। क्या आपका मतलब ${suggestions.join(', ')} था?`,
    discordOnlySetting: ({ setting }) =>
      setting === 'threads'
        ? 'घटना के थ्रेड सिर्फ़ Discord पर मिलते हैं। यहाँ अलर्ट उसी टॉपिक में आते हैं जहाँ /subscribe भेजा गया था: किसी फ़ोरम टॉपिक में पाने के लिए वहीं सब्सक्राइब करें।'
        : 'आउटेज रोल सिर्फ़ Discord पर मिलते हैं। यहाँ हर अलर्ट चैट को सूचना देता है, जब तक शांत समय तय न हो (/settings)।',
    missingArgument: ({ command, argument }) => `${command} के साथ ${ARGUMENT[argument]} देना ज़रूरी है।`,
    adminRequired: () => 'यह सिर्फ़ इस चैट के एडमिन कर सकते हैं।',
    rateLimited: ({ retryAfterMs }) => `ज़रा धीरे! ${duration(retryAfterMs)} बाद फिर कोशिश करें।`,
    missingPermissions: ({ channel, permissions }) =>
      `${channel} चैनल में मैं अलर्ट नहीं भेज पा रहा; ये अनुमतियाँ नहीं हैं: ${permissions.join(', ')}।`,
    quietHoursSummary: ({ incidents, timeZone }) =>
      [
        `आपके शांत समय के दौरान: ${count(incidents.length, 'घटना', 'घटनाएँ')}`,
        ...incidents.map((i) => incidentLine(i, timeZone)),
      ].join('\n'),
    muted: ({ serviceName, until, timeZone }) =>
      `${serviceName}: इस चैट में ${formatTime(FORMAT, until, timeZone)} तक अलर्ट बंद रहेंगे।`,
    silences: ({ allUntil, services, timeZone }) =>
      allUntil === null && services.length === 0
        ? 'इस चैट में कोई मौन नहीं है। /silence <service|all> <duration> से लगाएँ (एडमिन)।'
        : [
            'इस चैट के मौन:',
            ...(allUntil === null ? [] : [`• सभी सेवाएँ: ${formatDateTime(FORMAT, allUntil, timeZone)} तक`]),
            ...services.map((s) => `• ${s.serviceName}: ${formatDateTime(FORMAT, s.until, timeZone)} तक`),
          ].join('\n'),
    silenced: ({ until, timeZone }) =>
      `इस चैट के सभी अलर्ट ${formatDateTime(FORMAT, until, timeZone)} तक मौन रहेंगे। इस बीच जो होगा, वह बाद में एक सारांश में आएगा; पहले ख़त्म करने के लिए /silence off।`,
    silenceEnded: () => 'मौन ख़त्म हुआ; इस बीच रुके अलर्ट एक सारांश में आएँगे।',
    notSilenced: () => 'यह चैट मौन नहीं है।',
    silenceOneService: ({ serviceName }) =>
      `सिर्फ़ ${serviceName} को मौन करना अभी संभव नहीं है: /silence <service|all> <duration> से सभी सेवाएँ मौन करें, या /unsubscribe से उस सेवा के अलर्ट बंद करें।`,
    serviceSilenced: ({ serviceName, until, timeZone }) =>
      `${formatDateTime(FORMAT, until, timeZone)} तक ${serviceName} के बारे में कुछ भी इस चैट में नहीं आएगा। उसके बाद तब भी जारी कोई घटना यहाँ अलर्ट होगी, और इस बीच शुरू होकर ख़त्म हो चुकी घटना नहीं; पहले ख़त्म करने के लिए /silence off ${serviceName}।`,
    serviceSilenceEnded: ({ serviceName }) =>
      `${serviceName} का मौन ख़त्म हुआ; उसकी कोई घटना अब भी जारी हो तो उसका अलर्ट अभी यहाँ आएगा।`,
    serviceNotSilenced: ({ serviceName }) => `इस चैट में ${serviceName} मौन नहीं है।`,
    invalidSilenceDuration: ({ given }) =>
      given === null
        ? 'बताइए कितनी देर मौन रखना है: १० मिनट से ७ दिन, जैसे 2h।'
        : `"${given}" सही अवधि नहीं है: १० मिनट से ७ दिन के बीच लिखें, जैसे 2h।`,
    storageUnavailable: () =>
      'यह सेव नहीं हो सका: बॉट के स्टोरेज में अभी लिखा नहीं जा सकता। अलर्ट फिर भी जाएँगे; थोड़ी देर बाद फिर कोशिश करें।',
    internalError: () => 'हमारी तरफ़ कुछ गड़बड़ हो गई। थोड़ी देर बाद फिर कोशिश करें।',
    noteAdded: ({ serviceName, open }) =>
      open
        ? `${serviceName} की चल रही घटना पर नोट जुड़ गया; अलर्ट में दिखेगा।`
        : `${serviceName} की पिछली (सुलझ चुकी) घटना पर नोट जुड़ गया; अलर्ट में दिखेगा।`,
    noteNoIncident: ({ serviceName }) =>
      `${serviceName} की कोई चल रही घटना नहीं है, पिछले एक दिन में भी नहीं: नोट करने को कुछ नहीं।`,
    noteNotAllowed: () =>
      'इस घटना पर नोट सिर्फ़ बॉट के ऑपरेटर जोड़ सकते हैं (कम्युनिटी एडमिन अपने मॉनिटर की घटनाओं पर जोड़ सकते हैं)।',
    noteTooLong: ({ max }) => `नोट ज़्यादा से ज़्यादा ${n(max)} अक्षरों का हो सकता है।`,
    maintenanceUsage: () =>
      [
        'अपने मॉनिटर का रखरखाव तय करें (एडमिन):',
        '/maintenance <monitor> <start> <duration>',
        '/maintenance cancel <monitor>',
        '/maintenance list',
        'शुरुआत: now, HH:MM या YYYY-MM-DD HH:MM, इस चैट के समय क्षेत्र में; अवधि ५ मिनट से ७ दिन।',
      ].join('\n'),
    maintenanceSet: ({ name, start, end, timeZone }) =>
      `${name} का रखरखाव ${formatDateTime(FORMAT, start, timeZone)} से ${formatDateTime(FORMAT, end, timeZone)} तक: इस दौरान कोई अलर्ट नहीं। ख़त्म होने पर जो अब भी विफल हो, उसका अलर्ट तब आएगा; पहले ख़त्म करने के लिए /maintenance cancel ${name}।`,
    maintenanceList: ({ windows, now, timeZone }) =>
      windows.length === 0
        ? 'कोई रखरखाव तय नहीं है। /maintenance <monitor> <start> <duration> से तय करें (एडमिन)।'
        : [
            'रखरखाव:',
            ...windows.map(
              (w) =>
                `• ${w.name}: ${formatDateTime(FORMAT, w.start, timeZone)} – ${formatDateTime(FORMAT, w.end, timeZone)}${w.start <= now ? ' (चल रहा है)' : ''}`,
            ),
          ].join('\n'),
    maintenanceCancelled: ({ name }) =>
      `${name} का रखरखाव रद्द हो गया; अगर यह अब भी विफल है, तो उसका अलर्ट अभी आएगा।`,
    maintenanceNone: ({ name }) => `${name} का कोई रखरखाव तय नहीं है।`,
    maintenanceUnknownMonitor: ({ given, known }) =>
      known.length === 0
        ? `इस समुदाय का “${given}” नाम का कोई मॉनिटर नहीं है, और कोई दूसरा भी अभी नहीं: /monitor add से जोड़ें।`
        : `इस समुदाय का “${given}” नाम का कोई मॉनिटर नहीं है। इसके मॉनिटर: ${known.join(', ')}।`,
    maintenanceBadStart: ({ given }) =>
      given === null
        ? 'बताएँ कब शुरू होगा: now, HH:MM या YYYY-MM-DD HH:MM, इस चैट के समय क्षेत्र में।'
        : `“${given}” शुरुआत का समय नहीं है: now, HH:MM या YYYY-MM-DD HH:MM दें, इस चैट के समय क्षेत्र में।`,
    maintenancePastStart: ({ given }) => `इस चैट के समय क्षेत्र में ${given} बीत चुका है: बाद का कोई समय दें, या now।`,
    maintenanceBadDuration: ({ given }) =>
      given === null
        ? 'बताएँ कितनी देर चलेगा: ५ मिनट से ७ दिन, जैसे 2h।'
        : `“${given}” रखरखाव की अवधि नहीं है: ५ मिनट से ७ दिन दें, जैसे 2h।`,
  },
  monitors: {
    usage: () => MONITOR_USAGE,
    notEnabled: () => 'इस बॉट पर अपने मॉनिटर जोड़ने की सुविधा चालू नहीं है।',
    added: ({ monitor: m }) =>
      `“${m.name}” जोड़ा गया: ${m.target}, हर ${duration(m.intervalMs)} पर जाँच। इसके अलर्ट इसी चैट में आएँगे।`,
    refused: ({ reason }) => `यह लक्ष्य जोड़ा नहीं जा सकता। ${reason}`,
    invalidName: () => `नाम में सिर्फ़ अक्षर, अंक, खाली जगह और - _ . हो सकते हैं (ज़्यादा से ज़्यादा ${n(40)} कैरेक्टर)।`,
    nameTaken: ({ name }) => `“${name}” नाम का मॉनिटर पहले से है।`,
    limitReached: ({ limit }) =>
      `यहाँ ज़्यादा से ज़्यादा ${n(limit)} मॉनिटर रखे जा सकते हैं। पहले एक हटाएँ (/monitor remove)।`,
    intervalTooShort: ({ minIntervalMs }) =>
      `जाँचों के बीच कम से कम ${duration(minIntervalMs)} का अंतर होना चाहिए।`,
    invalidInterval: ({ given }) => `"${given}" कोई समय-अंतराल नहीं है; जैसे 60s, 5m या 1h लिखें।`,
    removed: ({ name }) => `“${name}” हटा दिया गया।`,
    notFound: ({ name }) => `“${name}” नाम का कोई मॉनिटर नहीं है।`,
    listing: ({ monitors, limit, audit, timeZone }) =>
      [
        `मॉनिटर (${n(monitors.length)}/${n(limit)}):`,
        ...(monitors.length === 0 ? ['अभी कोई मॉनिटर नहीं। /monitor add से जोड़ें।'] : monitors.map(monitorLine)),
        ...(audit.length === 0
          ? []
          : [
              '',
              'हाल के बदलाव:',
              ...audit.map(
                (a) =>
                  `${formatDateTime(FORMAT, a.at, timeZone)}: ${a.actor} ने “${a.name}” ${a.action === 'add' ? 'जोड़ा' : 'हटाया'}`,
              ),
            ]),
      ].join('\n'),
    watchUsage: () =>
      [
        'यहाँ किसी आधिकारिक स्टेटस पेज पर नज़र रखें (एडमिन):',
        '/watch <url> [components] — जैसे /watch https://www.githubstatus.com/',
        'स्टेटस पेज, जेसन सारांश और आरएसएस/एटम फ़ीड पढ़ी जाती हैं; कई कंपोनेंट अल्पविराम से अलग करें। /monitor remove से हटाएँ।',
      ].join('\n'),
    watchAdded: ({ name, url, components, intervalMs }) =>
      `“${name}” पर नज़र रखी जा रही है: ${url}${components.length === 0 ? '' : ` (सिर्फ़ ${components.join(', ')})`}, हर ${duration(intervalMs)} में पढ़ा जाएगा। इसके अलर्ट इस चैट में आएँगे; /monitor remove ${name} से बंद करें।`,
    notStatusPage: ({ found }) =>
      `यह ऐसी स्टेटस फ़ीड नहीं जिसे मैं पढ़ सकूँ: मुझे मिला ${WATCH_FINDING(found)}। पेज का जेसन सारांश (जैसे https://status.example.com/api/v2/summary.json) या उसकी फ़ीड (https://status.example.com/history.rss) आज़माएँ।`,
    unknownComponents: ({ unknown, known, more }) =>
      `इस पेज पर ${unknown.map((u) => `“${u}”`).join(', ')} नाम का कोई कंपोनेंट नहीं है। ये हैं: ${known.join(', ')}${more > 0 ? ` और ${n(more)} और` : ''}।`,
  },
  ssrf: SSRF,
  commandMenu: COMMAND_MENU,
  commandHelp: COMMAND_HELP,
  commandOptions: {
    serviceOrAll: 'कोई सेवा, या "all" (सभी)',
    serviceOptional: 'सभी सेवाओं के लिए खाली छोड़ें',
    serviceReport: 'वह सेवा जो आपके लिए काम नहीं कर रही',
    severity: 'major: सिर्फ़ आउटेज; minor: समस्याएँ भी (डिफ़ॉल्ट)',
    severityMinor: 'minor: समस्याएँ और आउटेज',
    severityMajor: 'major: सिर्फ़ आउटेज',
    problem: 'क्या गड़बड़ है',
    language: 'इस चैनल में अलर्ट और जवाबों की भाषा',
    timezone: 'टाइम ज़ोन, जैसे Asia/Kolkata या UTC',
    quiet: 'शांत समय, जैसे 23:00-07:00, या off',
    role: 'किसी सेवा के बड़े आउटेज पर मेंशन होने वाला रोल',
    remind: 'आउटेज जारी रहे तो याद दिलाएँ: 30m, 1h, 2h या 4h (फिर कम बार), या off',
    threads: 'हर आउटेज की सूचना से थ्रेड शुरू करें और अपडेट वहीं भेजें',
    monitorAdd: 'किसी URL (https://…, चाहें तो साथ में एक शब्द) या host:port पर नज़र रखें',
    monitorName: '/status के लिए छोटा-सा नाम, जैसे shop',
    monitorTarget: 'https://example.org/health (चाहें तो साथ में एक शब्द) या host:port',
    monitorEvery: 'कितनी बार जाँचें, जैसे 5m (डिफ़ॉल्ट: जितनी बार हो सके)',
    monitorRemove: 'अपने किसी मॉनिटर पर नज़र रखना बंद करें',
    monitorRemoveName: 'जोड़ते समय दिया गया नाम',
    monitorList: 'आपके मॉनिटर, और किसने उन्हें जोड़ा या हटाया',
    silenceSet: 'कुछ देर के लिए अलर्ट मौन करें',
    silenceDuration: 'कितनी देर: १० मिनट से ७ दिन, जैसे 2h',
    silenceOff: 'मौन अभी ख़त्म करें',
    silenceList: 'इस चैट के मौन',
    watchUrl: 'स्टेटस पेज: उसका पता, जेसन सारांश या आरएसएस/एटम फ़ीड',
    watchComponents: 'सिर्फ़ ये कंपोनेंट, अल्पविराम से अलग (खाली: पूरा पेज)',
    servicesSearch: 'नाम, आईडी या उपनाम का हिस्सा (खाली: सभी सेवाएँ)',
    noteService: 'वह सेवा जिसकी घटना पर नोट है',
    noteMark: 'नोट घटना के बारे में क्या कहता है (वैकल्पिक)',
    noteIdentified: 'identified: कारण पता चल गया',
    noteMonitoring: 'monitoring: सुधार लग गया, नज़र रखी जा रही है',
    noteResolved: 'resolved: लेखक के अनुसार ठीक हो गया',
    noteText: 'नोट, सादा पाठ (अधिकतम ५०० अक्षर)',
    boardOn: 'यहाँ लाइव स्थिति बोर्ड भेजें (मौजूदा की जगह)',
    boardOff: 'इस चैट के बोर्ड को अपडेट करना बंद करें',
    maintenanceSet: 'रखरखाव तय करें: इस दौरान कोई अलर्ट नहीं',
    maintenanceMonitor: 'आपका कोई मॉनिटर, जिस नाम से /monitor list दिखाता है',
    maintenanceStart: 'now, HH:MM या YYYY-MM-DD HH:MM (इस चैट का समय क्षेत्र)',
    maintenanceDuration: 'कितनी देर: ५ मिनट से ७ दिन, जैसे 2h',
    maintenanceCancel: 'किसी मॉनिटर का रखरखाव अभी ख़त्म या रद्द करें',
    maintenanceList: 'तय और चल रहे रखरखाव',
  },
  page: PAGE,
  problemWords: PROBLEM_WORDS,
  board: {
    title: () => 'लाइव स्थिति',
    line: ({ name, state, since, timeZone }) =>
      since === null
        ? `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]}`
        : `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]}, ${formatDateTime(FORMAT, since, timeZone)} से`,
    empty: () =>
      'इस चैट को अभी कोई अलर्ट नहीं मिलता, इसलिए बोर्ड में कुछ नहीं है। कोई एडमिन /subscribe <service|all> चला सकता है।',
    live: () => 'स्थिति बदलने पर यह अपडेट होता है। /board off इसे रोकता है।',
    stopped: () => 'यह बोर्ड अब अपडेट नहीं होता (/board off)।',
    moved: () => 'यह बोर्ड अब अपडेट नहीं होता: इस चैट में एक नया बोर्ड भेजा गया है।',
    started: ({ replaced }) =>
      replaced
        ? 'यहाँ एक नया लाइव बोर्ड भेजा जा रहा है; पुराना अब अपडेट नहीं होगा।'
        : 'यहाँ एक लाइव बोर्ड भेजा जा रहा है; इस चैट की सेवाओं की स्थिति बदलने पर इसे संपादित किया जाएगा।',
    ended: () => 'बोर्ड बना रहेगा, पर अब अपडेट नहीं होगा।',
    none: () => 'इस चैट में कोई लाइव बोर्ड नहीं है। /board एक भेजता है।',
  },
};
