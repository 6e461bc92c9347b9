import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
    Cidr,
    FAMILY_BITS,
    cidrContains,
    cidrSize,
    cidrsOverlap,
    formatCidr,
    isCidrError,
    lastAddress,
    parseCidr,
    reservedRangeOf,
    subnetAt,
} from "../../components/net/cidr";
import { serviceCidrChangeProblem } from "../../components/net/serviceRange";
import { awsSubnetLayout, ipv6SubnetOf } from "../../components/plan/network";

const family = fc.constantFrom("IPv4" as const, "IPv6" as const);
/** Any well-formed block: a random address masked to a random prefix. */
const cidrArb = family.chain((f) =>
    fc
        .record({
            family: fc.constant(f),
            prefix: fc.integer({ min: 0, max: FAMILY_BITS[f] }),
            raw: fc.bigInt({ min: 0n, max: (1n << BigInt(FAMILY_BITS[f])) - 1n }),
        })
        .map(({ family: fam, prefix, raw }): Cidr => {
            const bits = BigInt(FAMILY_BITS[fam]);
            const network = (raw >> (bits - BigInt(prefix))) << (bits - BigInt(prefix));
            return { family: fam, prefix, network };
        }),
);

describe("CIDR parsing", () => {
    it("round-trips every well-formed block through format and parse", () => {
        fc.assert(
            fc.property(cidrArb, (cidr) => {
                assert.deepEqual(parseCidr(formatCidr(cidr)), cidr);
            }),
        );
    });

    it("refuses host bits and names the network address", () => {
        const result = parseCidr("10.152.183.7/24");
        assert.ok(isCidrError(result));
        assert.match(result.error, /host bits are set; did you mean 10\.152\.183\.0\/24\?/);
        const v6 = parseCidr("fd00:c00b:2::5/112");
        assert.ok(isCidrError(v6));
        assert.match(v6.error, /did you mean fd00:c00b:2::\/112/);
    });

    it("refuses missing and out-of-range prefixes and bad addresses", () => {
        for (const bad of ["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.256/24", "fd00::g/64", "10.0.0.0/-1", "10.0.0.0/abc"]) {
            assert.ok(isCidrError(parseCidr(bad)), bad);
        }
    });

    it("names reserved ranges", () => {
        assert.match(reservedRangeOf(parseCidr("127.0.0.0/8") as Cidr) ?? "", /loopback/);
        assert.match(reservedRangeOf(parseCidr("fe80::/64") as Cidr) ?? "", /link-local/);
        assert.match(reservedRangeOf(parseCidr("ff02::/16") as Cidr) ?? "", /multicast/);
        assert.match(reservedRangeOf(parseCidr("::/128") as Cidr) ?? "", /unspecified/);
        assert.equal(reservedRangeOf(parseCidr("fd00:c00b:1::/112") as Cidr), undefined);
        assert.equal(reservedRangeOf(parseCidr("192.168.0.0/16") as Cidr), undefined);
    });
});

describe("CIDR arithmetic", () => {
    it("overlap is symmetric and implied by containment", () => {
        fc.assert(
            fc.property(cidrArb, cidrArb, (a, b) => {
                assert.equal(cidrsOverlap(a, b), cidrsOverlap(b, a));
                if (cidrContains(a, b)) assert.ok(cidrsOverlap(a, b));
            }),
        );
    });

    it("carves distinct subnets that lie inside the parent and tile it in order", () => {
        fc.assert(
            fc.property(
                cidrArb.filter((c) => c.prefix <= FAMILY_BITS[c.family] - 2),
                fc.integer({ min: 1, max: 8 }),
                fc.nat(),
                fc.nat(),
                (parent, extra, i, j) => {
                    const prefix = Math.min(parent.prefix + extra, FAMILY_BITS[parent.family]);
                    const count = 2 ** Math.min(prefix - parent.prefix, 30);
                    const [a, b] = [i % count, j % count];
                    const sa = subnetAt(parent, prefix, a);
                    const sb = subnetAt(parent, prefix, b);
                    assert.ok(cidrContains(parent, sa));
                    assert.equal(cidrsOverlap(sa, sb), a === b);
                    assert.equal(sa.network, parent.network + BigInt(a) * cidrSize(sa));
                    assert.ok(lastAddress(sa) <= lastAddress(parent));
                },
            ),
        );
    });

    it("refuses a subnet index past the end", () => {
        assert.throws(() => subnetAt(parseCidr("10.0.0.0/24") as Cidr, 26, 4), /holds 4 \/26 blocks/);
    });

    it("gives every AWS subnet a distinct /64 inside the VPC's /56", () => {
        fc.assert(
            fc.property(
                fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }),
                fc.integer({ min: 1, max: 6 }),
                fc.boolean(),
                (top, zones, privateSubnets) => {
                    const vpc = formatCidr({ family: "IPv6", network: top << 72n, prefix: 56 });
                    const layout = awsSubnetLayout("10.0.0.0/16", zones, privateSubnets);
                    const blocks = layout.map((s) => parseCidr(ipv6SubnetOf(vpc, s.ipv6Index)) as Cidr);
                    for (const block of blocks) {
                        assert.equal(block.prefix, 64);
                        assert.ok(cidrContains(parseCidr(vpc) as Cidr, block));
                    }
                    assert.equal(new Set(blocks.map(formatCidr)).size, blocks.length);
                    const v4 = layout.map((s) => parseCidr(s.ipv4Cidr) as Cidr);
                    for (let x = 0; x < v4.length; x++) for (let y = x + 1; y < v4.length; y++) assert.ok(!cidrsOverlap(v4[x], v4[y]));
                },
            ),
        );
    });
});

describe("service range changes on a live cluster", () => {
    it("allows growing each range and refuses anything else", () => {
        assert.equal(serviceCidrChangeProblem("10.152.183.0/24,fd00:c00b:2::/112", "10.152.0.0/16,fd00:c00b:2::/108"), undefined);
        assert.match(serviceCidrChangeProblem("10.152.0.0/16", "10.152.183.0/24") ?? "", /can only grow/);
        assert.match(
            serviceCidrChangeProblem("10.152.183.0/24,fd00:c00b:2::/112", "fd00:c00b:2::/112,10.152.183.0/24") ?? "",
            /families cannot change/,
        );
        assert.match(serviceCidrChangeProblem("10.152.183.0/24", "10.152.183.0/24,fd00:c00b:2::/112") ?? "", /families cannot change/);
    });

    it("accepts exactly the changes whose new blocks contain the old", () => {
        fc.assert(
            fc.property(cidrArb, cidrArb, (old, next) => {
                const problem = serviceCidrChangeProblem(formatCidr(old), formatCidr(next));
                assert.equal(problem === undefined, cidrContains(next, old));
            }),
        );
    });
});
