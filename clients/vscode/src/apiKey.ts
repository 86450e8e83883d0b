// The Anthropic API key lives in SecretStorage and reaches the server only through its environment.
import * as vscode from "vscode";

const KEY = "tandem.anthropicApiKey";

export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.secrets.get(KEY);
  }

  /** Asks for the key; true when it changed (the server must restart to see it). */
  async prompt(): Promise<boolean> {
    const value = await vscode.window.showInputBox({
      title: "Tandem: Anthropic API key", password: true, ignoreFocusOut: true,
      prompt: "Stored in VS Code's secret storage and passed to the server as ANTHROPIC_API_KEY. Empty removes it.",
    });
    if (value === undefined) return false;
    if (value.trim() === "") await this.secrets.delete(KEY);
    else await this.secrets.store(KEY, value.trim());
    return true;
  }
}
