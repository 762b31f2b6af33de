import { describe, expect, it } from 'vitest';
import {
  parseLanguage,
  parseQuietHours,
  parseRoleId,
  parseSeverity,
  parseTimeZone,
} from '../../../src/core/commands/settings-input.js';

const refused = { ok: false };
const ok = <T>(value: T) => ({ ok: true, value });

describe('parseTimeZone', () => {
  it.each([
    ['Asia/Dhaka', ok('Asia/Dhaka')],
    ['asia/dhaka', ok('Asia/Dhaka')],
    ['Asia/Kolkata', ok('Asia/Kolkata')],
    ['asia/kolkata', ok('Asia/Kolkata')],
    ['utc', ok('UTC')],
    [' Europe/London ', ok('Europe/London')],
    ['America/Argentina/Buenos_Aires', ok('America/Argentina/Buenos_Aires')],
    ['Mars/Olympus', refused],
    ['+05:30', refused],
    ['', refused],
    ['Asia/Dhaka; DROP TABLE chats', refused],
    ['A'.repeat(65), refused],
  ])('%j → %j', (given, expected) => {
    expect(parseTimeZone(given)).toEqual(expected);
  });
});

describe('parseQuietHours', () => {
  it.each([
    ['22:00-07:00', ok({ startMinute: 1320, endMinute: 420 })],
    ['22-7', ok({ startMinute: 1320, endMinute: 420 })],
    ['22:00 - 07:00', ok({ startMinute: 1320, endMinute: 420 })],
    ['22:00 TO 07:00', ok({ startMinute: 1320, endMinute: 420 })],
    ['22:00to07:00', refused],
    ['22.30 – 07.15', ok({ startMinute: 1350, endMinute: 435 })],
    ['২৩:০০-০৭:০০', ok({ startMinute: 1380, endMinute: 420 })],
    ['२३:००-०७:३०', ok({ startMinute: 1380, endMinute: 450 })],
    ['00:00-24:00', refused],
    ['01:00-24:00', ok({ startMinute: 60, endMinute: 0 })],
    ['off', ok(null)],
    ['OFF', ok(null)],
    ['বন্ধ', ok(null)],
    ['बंद', ok(null)],
    ['25:00-07:00', refused],
    ['22:60-07:00', refused],
    ['22:00-22:00', refused],
    ['22:00', refused],
    ['night', refused],
    ['-1:00-07:00', refused],
  ])('%j → %j', (given, expected) => {
    expect(parseQuietHours(given)).toEqual(expected);
  });
});

describe('parseLanguage', () => {
  it.each([
    ['en', ok('en')],
    ['EN-gb', ok('en')],
    ['bn', ok('bn')],
    ['bn_BD', ok('bn')],
    ['Bangla', ok('bn')],
    ['বাংলা', ok('bn')],
    ['English', ok('en')],
    ['hi', ok('hi')],
    ['hi-IN', ok('hi')],
    ['हिन्दी', ok('hi')],
    ['हिंदी', ok('hi')],
    ['Hindi', ok('hi')],
    ['fr', refused],
    ['', refused],
  ])('%j → %j', (given, expected) => {
    expect(parseLanguage(given)).toEqual(expected);
  });
});

describe('parseSeverity and parseRoleId', () => {
  it.each([
    ['minor', ok('minor')],
    ['MAJOR', ok('major')],
    ['critical', refused],
  ])('severity %j → %j', (given, expected) => {
    expect(parseSeverity(given)).toEqual(expected);
  });

  it.each([
    ['123456789012345678', ok('123456789012345678')],
    ['<@&123456789012345678>', ok('123456789012345678')],
    ['off', ok(null)],
    ['<@&123456789012345678', refused],
    ['123456789012345678>', refused],
    ['@everyone', refused],
    ['12345', refused],
  ])('role %j → %j', (given, expected) => {
    expect(parseRoleId(given)).toEqual(expected);
  });
});
