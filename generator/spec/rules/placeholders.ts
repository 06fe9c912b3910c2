/**
 * Values that validate but that nobody means for a real cluster: the example repository of
 * `slipway init` (or any reserved example domain), and no SSH key at all. Warnings, so a first
 * render still works, but never silent.
 */
import type { Rule } from "./context.js";

/** Domains reserved for examples and tests (RFC 2606, RFC 6761). */
const RESERVED = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
/** Git hosts where an owner named `example` is the scaffold's stand-in, as in `slipway init`'s template. */
const GIT_HOSTS = new Set(["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"]);

/** True for a repository URL that only stands in for the user's own. */
export function isPlaceholderRepoUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const owner = parsed.pathname.split("/").filter(Boolean)[0]?.toLowerCase();
  return RESERVED.test(parsed.hostname) || (GIT_HOSTS.has(parsed.hostname.toLowerCase()) && owner === "example");
}

export const placeholderRepoUrl: Rule = ({ spec, problem }) => {
  const url = spec.spec.gitops.repoURL;
  if (!isPlaceholderRepoUrl(url)) return [];
  return [
    {
      ...problem("SW-PLACEHOLDER-REPO-URL", ["spec", "gitops", "repoURL"], `gitops.repoURL is an example, "${url}": Argo CD would sync the cluster from a repository that is not yours`, "Set it to the clone URL of this repository (`git remote get-url origin`), where rendered/ is committed."),
      severity: "warning",
    },
  ];
};

export const noSshKeys: Rule = ({ spec, problem, written }) => {
  if (spec.spec.hosts.ssh.authorizedKeys.length > 0) return [];
  const at = written(["spec", "hosts", "ssh", "authorizedKeys"]) ? ["spec", "hosts", "ssh", "authorizedKeys"] : written(["spec", "hosts"]) ? ["spec", "hosts"] : ["spec"];
  return [
    {
      ...problem("SW-PLACEHOLDER-SSH-KEYS", at, `no SSH key in hosts.ssh.authorizedKeys: nobody can log in to the nodes over SSH as ${spec.spec.hosts.ssh.user}`, "Add your public key, e.g. the line in ~/.ssh/id_ed25519.pub, to spec.hosts.ssh.authorizedKeys."),
      severity: "warning",
    },
  ];
};
