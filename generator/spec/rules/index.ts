/** Every semantic rule, run in this order; each returns all its findings (never stops early). */
import type { Rule } from "./context.js";
import { appSources, uniqueAppNames } from "./apps.js";
import { ciliumApiserverLb } from "./cilium.js";
import { forceGvisorNeedsGvisor, gvisorNodes } from "./gvisor.js";
import { reservedK3sArgs } from "./k3s-args.js";
import { atLeastOneServer, oddServers, oneClusterInit, uniqueNodeAddresses, uniqueNodeNames } from "./nodes.js";

export const RULES: readonly Rule[] = [
  uniqueNodeNames,
  uniqueNodeAddresses,
  atLeastOneServer,
  oneClusterInit,
  oddServers,
  reservedK3sArgs,
  appSources,
  uniqueAppNames,
  ciliumApiserverLb,
  gvisorNodes,
  forceGvisorNeedsGvisor,
];
