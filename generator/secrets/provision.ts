/**
 * Secrets needed at provisioning time (`slipway userdata`), read from the environment or the
 * git-ignored .slipway/ folder beside the spec, never from git. A missing one is an error that
 * names the variable.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { error, type Diagnostic } from "../diagnostics.js";
import { SECRET_ENV, type BootstrapSecrets } from "../spec/resolve.js";
import type { ClusterSpec } from "../spec/types.js";

/** File fallback for the K3s token, beside the spec. */
export const TOKEN_FILE = ".slipway/k3s-token";

export interface ProvisionSecrets {
  secrets?: BootstrapSecrets;
  diagnostics: Diagnostic[];
}

export function collectSecrets(specDir: string, spec: ClusterSpec, env: NodeJS.ProcessEnv): ProvisionSecrets {
  const diagnostics: Diagnostic[] = [];
  const tokenFile = join(specDir, TOKEN_FILE);
  if (env[SECRET_ENV.k3sToken] === undefined && existsSync(tokenFile) && !statSync(tokenFile).isFile()) {
    return { diagnostics: [error("SW-SECRET-UNREADABLE", `${TOKEN_FILE} is not a file`, { file: tokenFile, hint: `Write the token into the file ${TOKEN_FILE} (openssl rand -hex 32 > ${TOKEN_FILE}), or set ${SECRET_ENV.k3sToken}.` })] };
  }
  const token = (env[SECRET_ENV.k3sToken] ?? (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8") : "")).trim();
  if (!token) {
    diagnostics.push(error("SW-SECRET-MISSING", `the K3s join token is missing: set ${SECRET_ENV.k3sToken} or write it to ${TOKEN_FILE}`, {
      hint: `Create one once and keep it (every node of the cluster needs the same): openssl rand -hex 32 > ${TOKEN_FILE}`,
    }));
  } else if (!/^[A-Za-z0-9._:+/=-]{16,256}$/.test(token)) {
    diagnostics.push(error("SW-SECRET-INVALID", `${SECRET_ENV.k3sToken} must be 16 to 256 characters of letters, digits and . _ : + / = -`, {
      hint: "The first server accepts only a plain token (no K10...:: prefix). Generate one with: openssl rand -hex 32",
    }));
  }
  const secrets: BootstrapSecrets = { k3sToken: token };
  if (spec.spec.gitops.private) {
    const gitToken = env[SECRET_ENV.gitToken]?.trim();
    if (!gitToken) {
      diagnostics.push(error("SW-SECRET-MISSING", `spec.gitops.private is true but ${SECRET_ENV.gitToken} is not set`, {
        hint: `Export a read-only access token for ${spec.spec.gitops.repoURL} as ${SECRET_ENV.gitToken} (and optionally ${SECRET_ENV.gitUsername}); Argo CD gets it on the first server only.`,
      }));
    }
    secrets.gitToken = gitToken ?? "";
    secrets.gitUsername = env[SECRET_ENV.gitUsername]?.trim() || "slipway";
  }
  return diagnostics.length ? { diagnostics } : { secrets, diagnostics };
}
