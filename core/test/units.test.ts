// parseDuration / parseSize (and the format checks the config schema uses).
import t from 'tap';
import { parseDuration, parseSize } from '@sluice/core';
import { isDuration, isSize } from '../src/config/units.js';

t.test('parseDuration: every unit', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('0ms'), 0);
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('10m'), 600_000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('7d'), 604_800_000);
  t.equal(parseDuration('1.5s'), 1500);
  t.equal(parseDuration('0.25m'), 15_000);
  t.equal(parseDuration('1.0005s'), 1001, 'rounded to whole milliseconds');
});

t.test('parseDuration: plain numbers are milliseconds', async (t) => {
  t.equal(parseDuration(250), 250);
  t.equal(parseDuration('250'), 250, 'a digit string (e.g. from ${ENV}) is ms too');
  t.equal(parseDuration(0), 0);
});

t.test('parseSize: every unit, case-insensitive, binary multiples', async (t) => {
  t.equal(parseSize('100b'), 100);
  t.equal(parseSize('512kb'), 512 * 1024);
  t.equal(parseSize('20mb'), 20 * 1024 * 1024);
  t.equal(parseSize('20MB'), 20 * 1024 * 1024);
  t.equal(parseSize('1gb'), 1024 ** 3);
  t.equal(parseSize('1.5kb'), 1536);
  t.equal(parseSize(4096), 4096);
  t.equal(parseSize('4096'), 4096);
});

t.test('format checks accept what the parsers read and refuse the rest', async (t) => {
  for (const ok of ['500ms', '30s', '10m', '1h', '7d', '1.5s', '0', '1000']) t.ok(isDuration(ok), `duration ${ok}`);
  for (const bad of ['5x', '', 's', '-1s', '1 s', '1S', '1.s', 'ms', '10mins', '1e3', ' 5s', '5s ']) t.notOk(isDuration(bad), `not a duration: ${JSON.stringify(bad)}`);
  for (const ok of ['1b', '512kb', '20mb', '2GB', '1024', '0.5mb']) t.ok(isSize(ok), `size ${ok}`);
  for (const bad of ['20 mb', 'mb', '1tb', '-1kb', '', '1k']) t.notOk(isSize(bad), `not a size: ${JSON.stringify(bad)}`);
});

t.test('every accepted duration/size parses to a finite, non-negative number', async (t) => {
  for (const v of ['500ms', '30s', '10m', '1h', '7d', '1.5s', '0', '1000']) {
    const ms = parseDuration(v);
    t.ok(Number.isFinite(ms) && ms >= 0, `${v} → ${ms}`);
  }
  for (const v of ['1b', '512kb', '20mb', '2GB', '1024', '0.5mb']) {
    const bytes = parseSize(v);
    t.ok(Number.isInteger(bytes) && bytes >= 0, `${v} → ${bytes}`);
  }
});
