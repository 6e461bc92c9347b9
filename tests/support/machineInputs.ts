/** A worker Machine's inputs as the program registers them, in model `lxd:ck` (with its UUID when given). */
export const machineInputs = (jujuPath: string, modelUuid?: string) => ({
    jujuPath,
    modelRef: "lxd:ck",
    ...(modelUuid ? { modelUuid } : {}),
    name: "worker-0",
    address: "10.0.0.20",
    sshUser: "ubuntu",
    roles: ["worker"],
    pollSeconds: 0.01,
    removeGraceMinutes: 0.01,
});
