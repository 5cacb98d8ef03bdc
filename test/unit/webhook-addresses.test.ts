import { describe, expect, it } from "vitest";
import { isPublicAddress } from "../../src/server/webhooks/addresses.js";

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",
    "10.1.2.3",
    "100.64.0.1",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "198.18.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::7f00:1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a00:1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    // The local-use NAT64 prefix, whatever prefix length its translator uses.
    "64:ff9b:1::7f00:1",
    "64:ff9b:1::a00:1",
    "64:ff9b:1:7f00:0:100::",
    "64:ff9b:1:a9:fe:a9fe::",
    "::ffff:0:7f00:1",
    // Teredo whose client address (stored inverted) is a documentation address.
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2002:7f00:1::1",
    "2002:c0a8:101::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "2001:db8::1",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "64:ff9b:1:808:8:808:808:808",
    "2002:808:808::1",
  ])("allows %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each(["localhost", "127.1", "0x7f000001", "2130706433", "", "1:2:3"])(
    "refuses %j, which is not an IP literal",
    (text) => {
      expect(isPublicAddress(text)).toBe(false);
    },
  );
});
