// The rule that decides when an approval needs the check number (server/same-network.ts): which two
// addresses count as one network, with the loopback stand-in the tests and demos rely on.
import { describe, expect, it } from 'vitest';

import { sameNetwork } from '../../server/same-network.ts';

describe('sameNetwork', () => {
  it.each([
    ['one machine', '127.0.0.1', '127.0.0.1'],
    ['IPv6 and IPv4 loopback of one machine', '::1', '127.0.0.1'],
    ['a dual-stack listener’s IPv4-mapped form of the same address', '::ffff:192.0.2.7', '192.0.2.7'],
    ['one home behind one public address', '203.0.113.9', '203.0.113.9'],
    ['a TV on a cable and a phone on Wi-Fi of one LAN', '192.168.1.40', '192.168.1.23'],
    ['one office LAN in 10/8', '10.20.30.4', '10.20.30.250'],
    ['one office LAN in 172.16/12', '172.16.5.1', '172.16.5.77'],
    ['two privacy addresses in one IPv6 /64', '2001:db8:1:2:aaaa:bbbb:cccc:1', '2001:db8:1:2::5'],
    ['an IPv6 address in brackets with a zone', '[fe80::1%eth0]', 'fe80::2'],
  ])('counts %s as the same network', (_what, device, phone) => {
    expect(sameNetwork(device, phone)).toBe(true);
  });

  it.each([
    ['two loopback addresses (the tests’ stand-in for another network)', '127.0.0.2', '127.0.0.1'],
    ['two different public IPv4 addresses', '203.0.113.9', '198.51.100.4'],
    ['neighbours in public space (a /24 is a LAN only in private space)', '203.0.113.9', '203.0.113.10'],
    ['private addresses in another /24', '192.168.1.40', '192.168.2.40'],
    ['a private and a public address', '192.168.1.40', '203.0.113.9'],
    ['private IPv4 and IPv6', '192.168.1.40', '2001:db8:1:2::5'],
    ['IPv6 addresses in another /64', '2001:db8:1:2::1', '2001:db8:1:3::1'],
    ['a missing device address', undefined, '127.0.0.1'],
    ['something that is no address', 'localhost', '127.0.0.1'],
    ['100.64/10 (carrier-grade NAT: many customers share it)', '100.64.1.2', '100.64.1.3'],
  ])('counts %s as different networks', (_what, device, phone) => {
    expect(sameNetwork(device, phone)).toBe(false);
  });
});
