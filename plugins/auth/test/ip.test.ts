// CIDR parsing, allow-lists (IPv4, IPv6, IPv4-mapped), throttle buckets.
import t from 'tap';
import { compileAllowList, parseCidr, throttleBucket } from '../src/ip.js';

t.test('parseCidr: valid forms', async (t) => {
  t.strictSame(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  t.strictSame(parseCidr('203.0.113.7'), { address: '203.0.113.7', prefix: 32, family: 'ipv4' }, 'bare address = /32');
  t.strictSame(parseCidr('2001:db8::/32'), { address: '2001:db8::', prefix: 32, family: 'ipv6' });
  t.strictSame(parseCidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
  t.strictSame(parseCidr('0.0.0.0/0'), { address: '0.0.0.0', prefix: 0, family: 'ipv4' });
});

t.test('parseCidr: malformed', async (t) => {
  for (const bad of ['', '10.0.0.0/33', '2001:db8::/129', '10.0.0/8', '10.0.0.0/', '10.0.0.0/8/1', '10.0.0.0/-1', '10.0.0.0/ 8', 'localhost', '10.0.0.0/1e1', '300.1.1.1']) {
    t.equal(parseCidr(bad), undefined, JSON.stringify(bad));
  }
});

t.test('compileAllowList: IPv4 ranges, IPv6 ranges, IPv4-mapped callers', async (t) => {
  const allows = compileAllowList(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);
  for (const yes of ['10.1.2.3', '10.255.255.255', '192.168.1.7', '::ffff:10.9.9.9', '2001:db8::1', '2001:db8:ffff::42']) t.ok(allows(yes), yes);
  for (const no of ['11.0.0.1', '192.168.1.8', '2001:db9::1', '::1', '127.0.0.1', '', 'not-an-ip', '::ffff:11.0.0.1']) t.notOk(allows(no), no);
  const loopback = compileAllowList(['127.0.0.1/32', '::1']);
  t.ok(loopback('127.0.0.1'));
  t.ok(loopback('::ffff:127.0.0.1'), 'a dual-stack socket reports IPv4 loopback like this');
  t.ok(loopback('::1'));
  t.notOk(compileAllowList([])('10.0.0.1'), 'an empty list allows nobody');
  t.throws(() => compileAllowList(['nonsense']), /invalid CIDR/);
});

t.test('throttleBucket: IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64', async (t) => {
  t.equal(throttleBucket('203.0.113.9'), '203.0.113.9');
  t.equal(throttleBucket('::ffff:203.0.113.9'), '203.0.113.9');
  t.equal(throttleBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.equal(throttleBucket('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64', 'same /64, same bucket');
  t.equal(throttleBucket('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64', 'leading zeros do not split a bucket');
  t.equal(throttleBucket('2001:db8::1'), '2001:db8:0:0::/64');
  t.equal(throttleBucket('::1'), '0:0:0:0::/64');
  t.not(throttleBucket('2001:db8:1:3::1'), throttleBucket('2001:db8:1:2::1'), 'another /64, another bucket');
});
