import { describe, expect, it } from 'vitest';
import { parseProblemKind } from '../../../src/core/crowd/parse-problem.js';
import { emptyKindCounts, summariseKinds, type ProblemKind } from '../../../src/core/crowd/problem-kind.js';

describe('parseProblemKind', () => {
  const cases: readonly [string, ProblemKind][] = [
    ['messages not sending', 'sending'],
    ["can't send photos", 'sending'],
    ['msgs stuck on one tick', 'sending'],
    ["can't login", 'login'],
    ['Cannot log in to my account', 'login'],
    ['keeps asking for OTP', 'login'],
    ['sign-in fails on the website', 'login'],
    ['website is down', 'website'],
    ['web.whatsapp.com not loading', 'website'],
    ['app keeps crashing', 'app'],
    ['feed not loading', 'app'],
    ["the app won't connect", 'connection'],
    ['Connecting…', 'connection'],
    ['server error', 'connection'],
    ['মেসেজ যাচ্ছে না', 'sending'],
    ['বার্তা পাঠাতে পারছি না', 'sending'],
    ['লগইন হচ্ছে না', 'login'],
    ['অ্যাকাউন্টে ঢুকতে পারছি না', 'login'],
    ['কানেক্ট হচ্ছে না', 'connection'],
    ['সার্ভার ডাউন', 'connection'],
    ['ওয়েবসাইট খুলছে না', 'website'],
    ['অ্যাপ খুলছে না', 'app'],
    ['অ্যা\u200dপ ক্র্যাশ করছে', 'app'],
    ['নেটও\u09dfার্ক নেই', 'connection'], // য় typed as the single code point U+09DF
    ['मैसेज नहीं जा रहे', 'sending'],
    ['संदेश भेजे नहीं जा रहे', 'sending'],
    ['लॉगिन नहीं हो रहा', 'login'],
    ['खाते में लॉग इन नहीं हो पा रहा', 'login'],
    ['वेबसाइट नहीं खुल रही', 'website'],
    ['सर्वर से जुड़ नहीं पा रहा', 'connection'],
    ['सर्वर से जु\u095c नहीं पा रहा', 'connection'], // ड़ typed as the single code point U+095C
    ['ऐप बार-बार क्रैश हो रहा है', 'app'],
    ['फ़ीड लोड नहीं हो रही', 'app'],
    ['कुछ भी काम नहीं कर रहा', 'other'],
    ['so happy today', 'other'],
    ['the opposite of fine', 'other'],
    ['কিছুই কাজ করছে না', 'other'],
    ['', 'other'],
  ];
  it.each(cases)('reads %j as %s', (text, kind) => {
    expect(parseProblemKind(text)).toBe(kind);
  });
});

describe('summariseKinds', () => {
  it('returns shares, largest first, leaving out kinds nobody reported', () => {
    const kinds = { ...emptyKindCounts(), sending: 31, connection: 12, login: 7 };
    expect(summariseKinds(kinds)).toEqual([
      { kind: 'sending', share: 0.62 },
      { kind: 'connection', share: 0.24 },
      { kind: 'login', share: 0.14 },
    ]);
  });

  it('breaks ties in PROBLEM_KINDS order', () => {
    const kinds = { ...emptyKindCounts(), other: 2, app: 2, connection: 2 };
    expect(summariseKinds(kinds).map((share) => share.kind)).toEqual(['connection', 'app', 'other']);
  });

  it('is empty when nobody reported', () => {
    expect(summariseKinds(emptyKindCounts())).toEqual([]);
  });
});
