// Finds the command that starts `tandem serve`: the tandem.serverCommand setting, else `tandem` on PATH.
import * as fs from "node:fs";
import * as path from "node:path";

export interface ServerCommand {
  command: string;
  args: string[];
}

export class ServerNotFound extends Error {}

const FIX = "Install Tandem (`uv tool install tandem` or `pip install tandem`) so `tandem` is on PATH, " +
  "or set `tandem.serverCommand` to e.g. [\"/path/to/.venv/bin/tandem\", \"serve\"].";

/** Resolves the server command; throws ServerNotFound with a message that says how to fix it. */
export function resolveServerCommand(setting: readonly string[] | undefined, envPath: string | undefined,
                                     isExecutable: (p: string) => boolean = defaultIsExecutable): ServerCommand {
  const configured = (setting ?? []).filter((s) => s.trim() !== "");
  if (configured.length > 0) {
    const [command, ...args] = configured as [string, ...string[]];
    if (path.isAbsolute(command) && !isExecutable(command)) {
      throw new ServerNotFound(`tandem.serverCommand points to ${command}, which is not an executable file. ${FIX}`);
    }
    if (!path.isAbsolute(command) && findOnPath(command, envPath, isExecutable) === undefined) {
      throw new ServerNotFound(`tandem.serverCommand runs \`${command}\`, which is not on PATH. ${FIX}`);
    }
    return { command, args };
  }
  const found = findOnPath("tandem", envPath, isExecutable);
  if (found === undefined) throw new ServerNotFound(`Tandem's server was not found: no \`tandem\` on PATH. ${FIX}`);
  return { command: found, args: ["serve"] };
}

export function findOnPath(name: string, envPath: string | undefined,
                           isExecutable: (p: string) => boolean = defaultIsExecutable): string | undefined {
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function defaultIsExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
