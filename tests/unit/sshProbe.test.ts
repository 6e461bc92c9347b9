import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import { probeSshOnce, waitForSsh } from "../../components/juju/sshProbe";

/** A local server that answers each connection with `greet` (or nothing), from `readyAfterMs` on. */
async function server(
    greet: string | undefined,
    readyAfterMs = 0,
): Promise<{ port: number; close: () => void; connections: () => number }> {
    const started = Date.now();
    let connections = 0;
    const srv = net.createServer((socket) => {
        connections++;
        if (Date.now() - started < readyAfterMs) {
            socket.destroy();
            return;
        }
        if (greet !== undefined) socket.write(greet);
        socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    return {
        port: (srv.address() as net.AddressInfo).port,
        close: () => srv.close(),
        connections: () => connections,
    };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
    const { port, close } = await server(undefined);
    close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return port;
}

describe("waiting for SSH before enlisting (defect 4)", () => {
    it("reads the SSH-2.0 banner, after any lines sshd may send first", async () => {
        const sshd = await server("Welcome\r\nSSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n");
        try {
            assert.deepEqual(await probeSshOnce("127.0.0.1", sshd.port, 2000), {
                ok: true,
                banner: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
            });
        } finally {
            sshd.close();
        }
    });

    it("does not take a listening port that is not sshd for SSH", async () => {
        const http = await server("HTTP/1.1 400 Bad Request\r\n\r\n");
        const silent = await server(undefined);
        try {
            assert.equal((await probeSshOnce("127.0.0.1", http.port, 500)).ok, false);
            assert.deepEqual(await probeSshOnce("127.0.0.1", silent.port, 300), { ok: false, reason: "no answer within 300 ms" });
        } finally {
            http.close();
            silent.close();
        }
    });

    it("retries until sshd comes up, with progress lines", async () => {
        const booting = await server("SSH-2.0-OpenSSH_9.6\r\n", 400);
        const lines: string[] = [];
        try {
            const banner = await waitForSsh({
                host: "127.0.0.1",
                port: booting.port,
                timeoutMs: 5000,
                intervalMs: 100,
                log: (l) => lines.push(l),
            });
            assert.equal(banner, "SSH-2.0-OpenSSH_9.6");
            assert.ok(booting.connections() >= 2, "it tried more than once");
            assert.match(lines[0], /^waiting for SSH on 127\.0\.0\.1:\d+ \(up to 5\.0 s\)$/);
            assert.ok(
                lines.some((l) => /not ready after .* s \(attempt 1\): closed/.test(l)),
                lines.join("\n"),
            );
            assert.match(lines[lines.length - 1], /^SSH answers on 127\.0\.0\.1:\d+ after .* s: SSH-2\.0-OpenSSH_9\.6$/);
            // one line per change of reason, not one per attempt
            assert.ok(lines.length < booting.connections() + 2, lines.join("\n"));
        } finally {
            booting.close();
        }
    });

    it("gives up within its bound, naming the host, how long it waited and why", async () => {
        const port = await closedPort();
        const started = Date.now();
        await assert.rejects(
            waitForSsh({ host: "127.0.0.1", port, timeoutMs: 600, intervalMs: 100 }),
            /^Error: SSH on 127\.0\.0\.1:\d+ did not answer within 0\.\d s \(\d+ attempts, last: ECONNREFUSED\)/,
        );
        // Enlisting SSH comes from the Juju client, this machine, which the firewall admits by adminCidrs.
        await assert.rejects(
            waitForSsh({ host: "127.0.0.1", port, timeoutMs: 200, intervalMs: 100 }),
            /; is the node up, and does its firewall admit this machine \(adminCidrs\)\?$/,
        );
        assert.ok(Date.now() - started < 1500);
    });

    it("writes IPv6 hosts in brackets", async () => {
        const lines: string[] = [];
        await assert.rejects(
            waitForSsh({ host: "::1", port: await closedPort(), timeoutMs: 200, intervalMs: 100, log: (l) => lines.push(l) }),
            /SSH on \[::1\]:\d+ /,
        );
        assert.match(lines[0], /\[::1\]/);
    });
});
