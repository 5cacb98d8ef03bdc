/**
 * Which IP addresses a webhook may reach by default: public ones only. Loopback,
 * private, link-local, shared, multicast, reserved and documentation ranges are
 * refused, also when written inside an IPv6 address (IPv4-mapped, NAT64, 6to4).
 */
import { BlockList, isIP } from "node:net";

const ipv4Ranges: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (carrier-grade NAT)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

const ipv6Ranges: ReadonlyArray<[string, number]> = [
  ["::", 96], // unspecified, loopback, IPv4-compatible
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local
  ["ff00::", 8], // multicast
];

const refused = new BlockList();
for (const [address, prefix] of ipv4Ranges) refused.addSubnet(address, prefix, "ipv4");
for (const [address, prefix] of ipv6Ranges) refused.addSubnet(address, prefix, "ipv6");

/**
 * True when `address` (an IPv4 or IPv6 literal, IPv6 without brackets) is a
 * public address. Anything that is not an IP literal is not.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !refused.check(address, "ipv4");
  if (family !== 6) return false;
  // BlockList matches IPv4-mapped addresses (::ffff:a.b.c.d) against the IPv4 ranges.
  if (refused.check(address, "ipv6")) return false;
  const embedded = embeddedIpv4(address);
  return embedded === undefined || !refused.check(embedded, "ipv4");
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address leads to. */
function embeddedIpv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) {
    return dotted(words[6] as number, words[7] as number);
  }
  if (words[0] === 0x2002) return dotted(words[1] as number, words[2] as number);
  return undefined;
}

/** The eight 16-bit words of an IPv6 literal. */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const words = [...left, ...Array<string>(missing).fill("0"), ...right].map((w) =>
    Number.parseInt(w, 16),
  );
  return words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

function dotted(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
