import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveServerCommand, ServerNotFound } from "../../src/serverCommand";

const exists = (paths: string[]) => (p: string) => paths.includes(p);

test("the default finds `tandem` on PATH and runs `serve`", () => {
  assert.deepEqual(resolveServerCommand([], "/nope:/opt/bin", exists(["/opt/bin/tandem"])),
                   { command: "/opt/bin/tandem", args: ["serve"] });
});

test("the setting wins and keeps its arguments", () => {
  assert.deepEqual(resolveServerCommand(["/v/bin/python", "-m", "tandem", "serve"], "", exists(["/v/bin/python"])),
                   { command: "/v/bin/python", args: ["-m", "tandem", "serve"] });
});

test("missing server: a clear error that says how to fix it", () => {
  assert.throws(() => resolveServerCommand(undefined, "/a:/b", exists([])),
                (e: unknown) => e instanceof ServerNotFound && /no `tandem` on PATH/.test(e.message) && /tandem.serverCommand/.test(e.message));
  assert.throws(() => resolveServerCommand(["/missing/tandem"], "", exists([])), /not an executable/);
});
