// Issue 21 point 2: a charm refreshed by hand on its declared channel (`juju refresh calico`, a newer
// revision of the same channel) is seen by refresh. Against the Juju simulator (a seeded, settled
// cluster): create records each charm's revision, a hand refresh moves calico's, and the Deployment
// provider's read names it and records the live revision, which the next diff does not count as a
// change (the revision is kept, not refreshed back); an up that refreshes charms records their new revisions.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { CheckedDeployment, DeploymentOutputs, DeploymentProvider } from "../../components/juju/providers/deployment";
import { readCalls, withState } from "../../simulator/state";
import { SIM_JUJU, SIM_MODEL, printedBy, simDeploymentInputs, simDeploymentOutputs, simulatorHarness } from "../support/simDeployment";
import { seedModel } from "../support/simSeed";

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "ck-revisions-"));
const SIM_HOME = path.join(WORK, "sim");
const SIM_ENV = {
    CK_JUJU_SIM_HOME: SIM_HOME,
    CK_JUJU_SIM_SETTLE_SECONDS: "0.3",
    CK_JUJU_SIM_UPGRADE_SECONDS: "0.3",
    CK_DUALSTACK_SNAPSHOT_DIR: path.join(WORK, "operator"),
    CK_JUJU_BACKOFF_MS: "1",
};
const INPUTS = simDeploymentInputs("1.35/stable");

/**
 * The operator's `juju refresh calico` within 1.35/stable: the simulator's refresh takes the newest
 * revision on the channel, CK_JUJU_SIM_CHARM_REVISION (simulator/commands/applications.ts `refresh`).
 */
function refreshByHand(app: string, revision: number): void {
    execFileSync(SIM_JUJU, ["refresh", app, "-m", SIM_MODEL], {
        env: { ...process.env, CK_JUJU_SIM_CHARM_REVISION: String(revision) },
        stdio: "ignore",
    });
}

const sim = simulatorHarness(WORK, SIM_ENV, ["sim-0", "sim-2", "sim-3"]);
beforeEach(async () => {
    fs.rmSync(SIM_HOME, { recursive: true, force: true });
    seedModel(SIM_HOME, SIM_MODEL, { channel: "1.35/stable", api: sim.api, pid: sim.pid });
    // The seed sets calico's ranges; the dual-stack overlay also sets nat-outgoing (overlay.ts), so
    // the model is as declared and only the revision differs.
    await withState((state) => void (state.models[SIM_MODEL].applications.calico.options["nat-outgoing"] = "true"));
});

describe("refresh sees a charm refreshed by hand on its channel", () => {
    it("names the application and both revisions, records the live one, and the next diff is no change", async () => {
        const provider = new DeploymentProvider();
        // The seeded model holds the bundle's applications: create takes them over and records their revisions.
        const created = (await printedBy(() => provider.create(INPUTS))).result.outs as DeploymentOutputs;
        assert.equal(created.revisions?.calico, 1);
        refreshByHand("calico", 170);

        const { result: read, said } = await printedBy(() => provider.read("id", created));
        const props = read.props as DeploymentOutputs;
        const lines = said.filter((line) => line.includes("charm revision"));
        assert.equal(lines.length, 1, said.join("\n"));
        assert.match(lines[0], /calico: charm revision 170 in the model, 1 recorded: refreshed by hand on 1\.35\/stable/);
        assert.match(lines[0], /juju refresh calico --revision 1/);
        assert.equal(props.revisions?.calico, 170, "the live revision is recorded, so pulumi refresh shows 1 → 170");
        assert.equal(props.revisions?.etcd, created.revisions?.etcd);

        // The revision is kept: the next preview changes nothing and asks Juju nothing.
        const mark = readCalls().length;
        const checked = await provider.check(read.inputs as CheckedDeployment, INPUTS);
        assert.equal(checked.failures, undefined);
        assert.deepEqual((checked.inputs as CheckedDeployment).jujuOperations, []);
        assert.equal((await provider.diff("id", props, checked.inputs as CheckedDeployment)).changes, false);
        assert.deepEqual(readCalls().slice(mark), [], "check and diff ask Juju nothing");
    });

    it("records the live revisions of a state without any (earlier versions), reporting nothing", async () => {
        const provider = new DeploymentProvider();
        const created = (await printedBy(() => provider.create(INPUTS))).result.outs as DeploymentOutputs;
        const earlier = Object.fromEntries(Object.entries(created).filter(([key]) => key !== "revisions")) as unknown as DeploymentOutputs;
        refreshByHand("calico", 170);

        const { result: read, said } = await printedBy(() => provider.read("id", earlier));
        assert.deepEqual(
            said.filter((line) => line.includes("charm revision")),
            [],
        );
        assert.equal((read.props as DeploymentOutputs).revisions?.calico, 170);
    });

    it("records the revisions a channel upgrade refreshed to, so the next refresh reports nothing", async () => {
        const upgraded = simDeploymentInputs("1.36/stable");
        const olds = { ...simDeploymentOutputs(INPUTS), revisions: { calico: 1, etcd: 1 } };
        const provider = new DeploymentProvider();
        const { result: updated } = await printedBy(async () => {
            const checked = await provider.check(olds, upgraded);
            assert.equal(checked.failures, undefined);
            return provider.update("id", olds, checked.inputs as CheckedDeployment);
        });
        const outs = updated.outs as DeploymentOutputs;
        // The simulator's refresh onto a new channel takes the next revision (applications.ts `refresh`).
        assert.equal(outs.revisions?.calico, 2);
        assert.equal(outs.revisions?.etcd, 2);
        const { said } = await printedBy(() => provider.read("id", outs));
        assert.deepEqual(
            said.filter((line) => line.includes("charm revision")),
            [],
        );
    });
});
