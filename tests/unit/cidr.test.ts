import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
    Cidr,
    FAMILY_BITS,
    cidrContains,
    cidrSize,
    cidrsOverlap,
    familyOf,
    formatCidr,
    isCidrError,
    lastAddress,
    parseCidr,
    reservedRangeOf,
    subnetAt,
} from "../../components/net/cidr";
import { serviceCidrChangeProblem } from "../../components/net/serviceRange";
import { awsSubnetLayout, ipv6SubnetOf } from "../../components/net/network";

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

/**
 * Independent oracle: address bits per family written out here, and nesting decided on the
 * leading bits of the network numbers, not on address intervals as cidr.ts does. Two blocks
 * overlap exactly when one contains the other.
 */
const BITS = { IPv4: 32n, IPv6: 128n } as const;
const leadingBits = (cidr: Cidr, count: number): bigint => cidr.network >> (BITS[cidr.family] - BigInt(count));
const oracleContains = (outer: Cidr, inner: Cidr): boolean =>
    outer.family === inner.family && outer.prefix <= inner.prefix && leadingBits(outer, outer.prefix) === leadingBits(inner, outer.prefix);
const oracleOverlaps = (a: Cidr, b: Cidr): boolean => oracleContains(a, b) || oracleContains(b, a);

/** A block inside `outer` (possibly `outer` itself). */
const blockInside = (outer: Cidr) =>
    fc
        .record({
            prefix: fc.integer({ min: outer.prefix, max: Number(BITS[outer.family]) }),
            raw: fc.bigInt({ min: 0n, max: (1n << (BITS[outer.family] - BigInt(outer.prefix))) - 1n }),
        })
        .map(({ prefix, raw }): Cidr => {
            const host = BITS[outer.family] - BigInt(prefix);
            return { family: outer.family, prefix, network: outer.network | ((raw >> host) << host) };
        });
/** The other half of `cidr`'s parent: same size, adjacent, never overlapping (none for /0). */
const sibling = (cidr: Cidr): Cidr =>
    cidr.prefix === 0 ? cidr : { ...cidr, network: cidr.network ^ (1n << (BITS[cidr.family] - BigInt(cidr.prefix))) };
/**
 * Pairs of one family that are unrelated, nested either way, equal, or inside adjacent siblings, so
 * that both answers of every predicate come up often (random pairs almost never nest in IPv6).
 */
const pairArb = (f?: "IPv4" | "IPv6") =>
    (f ? cidrArb.filter((c) => c.family === f) : cidrArb).chain((a) =>
        fc.oneof(
            (f ? cidrArb.filter((c) => c.family === f) : cidrArb).map((b): [Cidr, Cidr] => [a, b]),
            blockInside(a).map((b): [Cidr, Cidr] => [a, b]),
            blockInside(a).map((b): [Cidr, Cidr] => [b, a]),
            fc.constant<[Cidr, Cidr]>([a, a]),
            blockInside(sibling(a)).map((b): [Cidr, Cidr] => [a, b]),
            blockInside(a).map((b): [Cidr, Cidr] => [sibling(a), b]),
        ),
    );

/** Runs `property` over pairs and checks that `outcome` came out both true and false often. */
function assertOverPairs(pairs: fc.Arbitrary<[Cidr, Cidr]>, outcome: (a: Cidr, b: Cidr) => boolean, check: (a: Cidr, b: Cidr) => void) {
    const seen = { true: 0, false: 0 };
    fc.assert(
        fc.property(pairs, ([a, b]) => {
            seen[`${outcome(a, b)}`]++;
            check(a, b);
        }),
        { numRuns: 500 },
    );
    assert.ok(seen.true >= 50 && seen.false >= 50, `both outcomes should be common: ${JSON.stringify(seen)}`);
}

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

    it("tells the family of an address or range by the colon", () => {
        assert.equal(familyOf("10.0.0.1"), "IPv4");
        assert.equal(familyOf("192.168.0.0/16"), "IPv4");
        assert.equal(familyOf("::ffff:10.0.0.1"), "IPv6");
        assert.equal(familyOf("fd00:c00b:1::/112"), "IPv6");
    });

    it("names reserved ranges", () => {
        assert.match(reservedRangeOf(parseCidr("127.0.0.0/8") as Cidr) ?? "", /loopback/);
        assert.match(reservedRangeOf(parseCidr("fe80::/64") as Cidr) ?? "", /link-local/);
        assert.match(reservedRangeOf(parseCidr("ff02::/16") as Cidr) ?? "", /multicast/);
        assert.match(reservedRangeOf(parseCidr("::/128") as Cidr) ?? "", /unspecified/);
        assert.equal(reservedRangeOf(parseCidr("fd00:c00b:1::/112") as Cidr), undefined);
        assert.equal(reservedRangeOf(parseCidr("192.168.0.0/16") as Cidr), undefined);
        // RFC 4291 2.5.5.2: an IPv4 address in IPv6 spelling, no interface's address.
        assert.match(reservedRangeOf(parseCidr("::ffff:10.0.0.0/120") as Cidr) ?? "", /IPv4-mapped ::ffff:0:0\/96/);
        assert.equal(reservedRangeOf(parseCidr("64:ff9b::/96") as Cidr), undefined);
    });
});

describe("CIDR arithmetic", () => {
    it("decides overlap and containment on literal blocks", () => {
        const c = (text: string) => parseCidr(text) as Cidr;
        const overlapping: [string, string][] = [
            ["10.0.0.0/8", "10.1.0.0/16"],
            ["10.1.0.0/16", "10.0.0.0/8"],
            ["10.0.0.0/24", "10.0.0.0/24"],
            ["0.0.0.0/0", "203.0.113.7/32"],
            ["10.0.0.255/32", "10.0.0.0/24"],
            ["fd00:c00b:2::/108", "fd00:c00b:2::/112"],
            ["::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"],
        ];
        const apart: [string, string][] = [
            ["10.0.0.0/24", "10.0.1.0/24"],
            ["10.0.1.0/24", "10.0.0.0/24"],
            ["10.0.0.0/16", "10.1.0.0/16"],
            ["10.0.0.0/25", "10.0.0.128/25"],
            ["10.0.0.0/8", "11.0.0.0/32"],
            ["fd00:c00b:2::/112", "fd00:c00b:2::1:0/112"],
            ["0.0.0.0/0", "::/0"],
            ["10.0.0.0/8", "::a00:0/104"],
        ];
        for (const [a, b] of overlapping) assert.equal(cidrsOverlap(c(a), c(b)), true, `${a} overlaps ${b}`);
        for (const [a, b] of apart) assert.equal(cidrsOverlap(c(a), c(b)), false, `${a} is apart from ${b}`);
        assert.equal(cidrContains(c("10.0.0.0/8"), c("10.1.0.0/16")), true);
        assert.equal(cidrContains(c("10.1.0.0/16"), c("10.0.0.0/8")), false);
        assert.equal(cidrContains(c("10.0.0.0/16"), c("10.0.0.0/16")), true);
        assert.equal(cidrContains(c("10.1.0.0/16"), c("10.0.0.0/8")), false);
        assert.equal(cidrContains(c("10.0.0.0/24"), c("10.0.1.0/24")), false);
        assert.equal(cidrContains(c("0.0.0.0/0"), c("::/128")), false);
    });

    it("overlap is symmetric and agrees with the leading-bits oracle", () => {
        assertOverPairs(pairArb(), oracleOverlaps, (a, b) => {
            assert.equal(cidrsOverlap(a, b), oracleOverlaps(a, b), `${formatCidr(a)} vs ${formatCidr(b)}`);
            assert.equal(cidrsOverlap(b, a), cidrsOverlap(a, b));
        });
    });

    it("containment agrees with the leading-bits oracle", () => {
        assertOverPairs(pairArb(), oracleContains, (a, b) => {
            assert.equal(cidrContains(a, b), oracleContains(a, b), `${formatCidr(a)} contains ${formatCidr(b)}`);
        });
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
        const grows: [string, string][] = [
            ["10.152.183.0/24", "10.152.183.0/24"],
            ["10.152.183.0/24", "10.152.0.0/16"],
            ["10.152.183.0/24", "10.152.182.0/23"],
            ["10.152.183.0/24", "0.0.0.0/0"],
            ["fd00:c00b:2::/112", "fd00:c00b:2::/108"],
            ["10.152.183.0/24,fd00:c00b:2::/112", "10.152.0.0/16,fd00:c00b:2::/108"],
            ["fd00:c00b:2::/112,10.152.183.0/24", "fd00:c00b:2::/104,10.152.183.0/24"],
        ];
        for (const [before, after] of grows) assert.equal(serviceCidrChangeProblem(before, after), undefined, `${before} -> ${after}`);
        const refused: [string, string, RegExp][] = [
            ["10.152.0.0/16", "10.152.183.0/24", /service range 10\.152\.0\.0\/16 can only grow.*10\.152\.183\.0\/24 does not contain it/],
            ["10.152.0.0/16", "10.152.0.0/17", /can only grow/],
            ["10.152.183.0/24", "10.152.182.0/24", /can only grow/],
            ["10.152.183.0/24", "10.152.184.0/23", /can only grow/],
            ["10.152.183.0/24", "10.153.0.0/16", /can only grow/],
            ["fd00:c00b:2::/112", "fd00:c00b:2::1:0/112", /can only grow/],
            ["fd00:c00b:2::/112", "fd00:c00b:3::/108", /can only grow/],
            ["10.152.183.0/24,fd00:c00b:2::/112", "10.152.0.0/16,fd00:c00b:2::/120", /service range fd00:c00b:2::\/112 can only grow/],
            ["10.152.183.0/24,fd00:c00b:2::/112", "fd00:c00b:2::/112,10.152.183.0/24", /families cannot change/],
            ["10.152.183.0/24", "10.152.183.0/24,fd00:c00b:2::/112", /families cannot change/],
            ["10.152.183.0/24,fd00:c00b:2::/112", "10.152.183.0/24", /families cannot change/],
            ["10.152.183.0/24", "fd00:c00b:2::/112", /families cannot change/],
        ];
        for (const [before, after, reason] of refused)
            assert.match(serviceCidrChangeProblem(before, after) ?? "", reason, `${before} -> ${after}`);
    });

    it("accepts a single-range change exactly when the oracle says the new block contains the old", () => {
        assertOverPairs(
            pairArb(),
            (next, old) => oracleContains(next, old),
            (next, old) => {
                const problem = serviceCidrChangeProblem(formatCidr(old), formatCidr(next));
                assert.equal(problem === undefined, oracleContains(next, old), `${formatCidr(old)} -> ${formatCidr(next)}: ${problem}`);
            },
        );
    });

    it("accepts a dual-stack change exactly when each family's new block contains its old one", () => {
        const seen = { accepted: 0, refused: 0 };
        fc.assert(
            fc.property(pairArb("IPv4"), pairArb("IPv6"), fc.boolean(), ([next4, old4], [next6, old6], ipv6First) => {
                const list = (a: Cidr, b: Cidr) => (ipv6First ? `${formatCidr(b)},${formatCidr(a)}` : `${formatCidr(a)},${formatCidr(b)}`);
                const problem = serviceCidrChangeProblem(list(old4, old6), list(next4, next6));
                const expected = oracleContains(next4, old4) && oracleContains(next6, old6);
                seen[expected ? "accepted" : "refused"]++;
                assert.equal(problem === undefined, expected, `${list(old4, old6)} -> ${list(next4, next6)}: ${problem}`);
            }),
            { numRuns: 500 },
        );
        assert.ok(seen.accepted >= 50 && seen.refused >= 50, JSON.stringify(seen));
    });
});
