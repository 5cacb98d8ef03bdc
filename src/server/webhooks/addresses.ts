/**
 * Which IP addresses a webhook may reach by default: public ones only. The ranges
 * are ipaddr.js's table of special-purpose ranges: an IPv4 address is public when
 * it falls in none of them (loopback, private, link-local, shared, multicast,
 * reserved, documentation, ...). An IPv6 address that carries an IPv4 address
 * (IPv4-mapped, SIIT, NAT64, 6to4, Teredo) is judged by the IPv4 address it leads
 * to; any other IPv6 address is public when it falls in no special range.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/**
 * IPv4-compatible addresses (`::a.b.c.d`, RFC 4291 2.5.5.1), deprecated and missing
 * from ipaddr.js's table: `::7f00:1` would otherwise pass as public unicast.
 */
const ipv4Compatible = ipaddr.IPv6.parseCIDR("::/96");
/** The well-known NAT64 prefix (RFC 6052): the IPv4 address is the last 32 bits. */
const nat64WellKnown = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
/** The local-use NAT64 prefix (RFC 8215), run by a network for itself. */
const nat64LocalUse = ipaddr.IPv6.parseCIDR("64:ff9b:1::/48");

/**
 * Where the IPv4 address sits in a NAT64 address, for each prefix length a network
 * may use inside 64:ff9b:1::/48 (RFC 6052 2.2): byte offsets, skipping byte 8.
 */
const nat64Layouts: ReadonlyArray<readonly [number, number, number, number]> = [
  [6, 7, 9, 10], // /48
  [7, 9, 10, 11], // /56
  [9, 10, 11, 12], // /64
  [12, 13, 14, 15], // /96
];

/**
 * True when `address` (an IPv4 or IPv6 literal, IPv6 without brackets) is a
 * public address. Anything that is not an IP literal in its standard form is
 * not: `127.1` or `0x7f000001` are for URLs to normalise, not for this check.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isPublicIpv4(ipaddr.IPv4.parse(address));
  if (family !== 6) return false;
  let parsed: IPv6;
  try {
    parsed = ipaddr.IPv6.parse(address);
  } catch {
    return false;
  }
  return isPublicIpv6(parsed);
}

function isPublicIpv4(address: IPv4): boolean {
  return address.range() === "unicast";
}

function isPublicIpv6(address: IPv6): boolean {
  if (address.match(ipv4Compatible)) return false;
  const bytes = address.toByteArray();
  switch (address.range()) {
    case "unicast":
      return true;
    case "ipv4Mapped":
    case "rfc6145":
      return isPublicIpv4(ipv4At(bytes, [12, 13, 14, 15]));
    case "rfc6052":
      if (address.match(nat64WellKnown)) return isPublicIpv4(ipv4At(bytes, [12, 13, 14, 15]));
      // The prefix length a local-use translator uses is not in the address: every
      // place the IPv4 address may sit must hold a public one.
      if (address.match(nat64LocalUse)) {
        return nat64Layouts.every((layout) => isPublicIpv4(ipv4At(bytes, layout)));
      }
      return false;
    case "6to4":
      return isPublicIpv4(ipv4At(bytes, [2, 3, 4, 5]));
    case "teredo": {
      // The Teredo server (bytes 4-7) and the client's address, stored inverted.
      const client = bytes.slice(12).map((b) => b ^ 0xff);
      return isPublicIpv4(ipv4At(bytes, [4, 5, 6, 7])) && isPublicIpv4(new ipaddr.IPv4(client));
    }
    default:
      return false;
  }
}

function ipv4At(bytes: readonly number[], at: readonly number[]): IPv4 {
  return new ipaddr.IPv4(at.map((i) => bytes[i] as number));
}
