/**
 * Every platform feature, in the order their pieces appear in cloud-init. A feature returns
 * undefined when the spec does not ask for it. New components add one line here.
 */
import type { Resolved } from "../spec/resolve.js";
import { argocd } from "./components/argocd.js";
import { cilium } from "./components/cilium.js";
import { gvisor } from "./components/gvisor.js";
import { sealedSecrets } from "./components/sealed-secrets.js";
import type { Feature } from "./types.js";

export const FEATURES: readonly ((r: Resolved) => Feature | undefined)[] = [cilium, argocd, sealedSecrets, gvisor];
