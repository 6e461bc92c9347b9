import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { withEnlistSlot } from "../../components/juju/enlistSlots";

describe("enlistment bound", () => {
    it("never runs more than the bound at once per controller, uses all of it, and finishes every call", async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.integer({ min: 1, max: 6 }),
                fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }),
                async (limit, delays) => {
                    let running = 0;
                    let most = 0;
                    const key = `controller-${Math.random()}`;
                    const results = await Promise.all(
                        delays.map((delay, i) =>
                            withEnlistSlot(key, limit, async () => {
                                most = Math.max(most, ++running);
                                await new Promise((resolve) => setTimeout(resolve, delay));
                                running--;
                                return i;
                            }),
                        ),
                    );
                    assert.deepEqual(
                        results,
                        delays.map((_, i) => i),
                    );
                    assert.equal(most, Math.min(limit, delays.length));
                },
            ),
            { numRuns: 50 },
        );
    });

    it("frees the slot when a call fails, and bounds controllers separately", async () => {
        await assert.rejects(
            withEnlistSlot("a", 1, () => Promise.reject(new Error("ssh refused"))),
            /ssh refused/,
        );
        assert.equal(await withEnlistSlot("a", 1, async () => "next"), "next");
        let release: () => void = () => undefined;
        const holding = withEnlistSlot("b", 1, () => new Promise<void>((resolve) => (release = resolve)));
        assert.equal(await withEnlistSlot("c", 1, async () => "other controller"), "other controller");
        release();
        await holding;
    });
});
