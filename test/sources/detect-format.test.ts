import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/sources/detect-format.js';
import { kindForFixture, listStatusFixtures, readStatusFixture } from './status-fixtures.js';

describe('detectFormat', () => {
  it.each(listStatusFixtures().filter((f) => kindForFixture(f) !== undefined))(
    'recognises %s as the parser its folder names',
    (fixture) => {
      expect(detectFormat(readStatusFixture(fixture), undefined)).toEqual({ kind: kindForFixture(fixture) });
    },
  );

  it.each([
    ['[]', 'google'],
    ['{"status":"ok","active_incidents":[]}', 'slack'],
    ['{"page_title":"x","ongoing_incidents":[]}', 'incidentio'],
    ['{"status":{"indicator":"none"}}', 'statuspage'],
    ['\uFEFF{"page":{"id":"a"}}', 'statuspage'],
    ['<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', 'feed'],
    ['<rss><channel><link>http://status.aws.amazon.com/</link></channel></rss>', 'aws-rss'],
  ])('%s → %s', (body, kind) => {
    expect(detectFormat(body, 'application/json')).toEqual({ kind });
  });

  it.each([
    ['', /empty body/],
    ['<!DOCTYPE html><html></html>', /HTML page/],
    ['<html><body>oops</body></html>', /HTML page/],
    ['<?xml version="1.0"?><svg></svg>', /neither RSS nor Atom/],
    ['{"a":', /not JSON, RSS or Atom \(text\/plain\)/],
    ['"just a string"', /not an object/],
    ['{"hello":"world"}', /no known status format/],
  ])('refuses %j with the reason', (body, problem) => {
    const detected = detectFormat(body, 'text/plain; charset=utf-8');
    expect(detected.kind).toBeNull();
    expect(detected.kind === null ? detected.problem : '').toMatch(problem);
  });
});
