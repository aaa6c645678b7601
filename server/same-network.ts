// Whether the phone that approves a device code and the device that asked for it are on the same
// network, judged from the two addresses the server saw (RFC 10027's proximity check). The server only
// sees addresses, so this is a guess in both directions: it errs towards asking for the check number,
// which costs a person two digits, rather than towards releasing tokens to a device far away.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** RFC 1918 private IPv4 ranges: addresses a home or office network gives out behind its router. */
const PRIVATE_V4 = new BlockList();
PRIVATE_V4.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE_V4.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE_V4.addSubnet('192.168.0.0', 16, 'ipv4');

const LOOPBACK_V4 = new BlockList();
LOOPBACK_V4.addSubnet('127.0.0.0', 8, 'ipv4');

type Address = { family: 'ipv4' | 'ipv6'; address: string };

/**
 * One address as the server saw it, in one spelling: without brackets or an IPv6 zone (`%eth0`),
 * an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack listener reports) as the IPv4
 * address, and `::1` as `127.0.0.1`, the same loopback under either family. Undefined when it is no
 * IP address at all.
 */
function parse(raw: string | undefined): Address | undefined {
  const text = (raw ?? '').trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text)?.[1];
  if (mapped && isIPv4(mapped)) return { family: 'ipv4', address: mapped };
  if (isIPv4(text)) return { family: 'ipv4', address: text };
  if (isIPv6(text)) {
    const loopback = new BlockList();
    loopback.addAddress('::1', 'ipv6');
    return loopback.check(text, 'ipv6') ? { family: 'ipv4', address: '127.0.0.1' } : { family: 'ipv6', address: text.toLowerCase() };
  }
  return undefined;
}

function sameSubnet(a: Address, b: Address, prefix: number): boolean {
  const subnet = new BlockList();
  subnet.addSubnet(a.address, prefix, a.family);
  return subnet.check(b.address, b.family);
}

function isLoopback(a: Address): boolean {
  return a.family === 'ipv4' && LOOPBACK_V4.check(a.address, 'ipv4');
}

/**
 * The rule, in this order:
 * 1. An address that cannot be read is another network (no check number is never the safe guess).
 * 2. The same address is the same network: one machine, or one home or office behind one public
 *    (NAT) address, which is what a server on the internet sees of both.
 * 3. Two loopback addresses are the same network only when they are equal (127.0.0.1 and ::1 count
 *    as equal): the tests and demos make a device on another network out of another loopback
 *    address such as 127.0.0.2, and a server on loopback sees nothing else.
 * 4. Two private IPv4 addresses (RFC 1918) in the same /24 are one network: a server on the LAN
 *    sees the phone on Wi-Fi and the TV on a cable as neighbours, and a /24 is what home routers hand out.
 * 5. Two IPv6 addresses (not loopback) in the same /64 are one network: a /64 is one link's prefix,
 *    and each device picks (and rotates, for privacy) its own address inside it.
 * 6. Anything else is another network: two different public IPv4 addresses, IPv4 against IPv6,
 *    private against public, private in another /24.
 */
export function sameNetwork(deviceIp: string | undefined, phoneIp: string | undefined): boolean {
  const device = parse(deviceIp);
  const phone = parse(phoneIp);
  if (!device || !phone || device.family !== phone.family) return false;
  if (device.family === 'ipv4' && device.address === phone.address) return true;
  if (isLoopback(device) || isLoopback(phone)) return false;
  if (device.family === 'ipv4') {
    return PRIVATE_V4.check(device.address, 'ipv4') && PRIVATE_V4.check(phone.address, 'ipv4') && sameSubnet(device, phone, 24);
  }
  return sameSubnet(device, phone, 64);
}
