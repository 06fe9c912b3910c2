// Types of scale-spec.mjs, for the tests that use it.
export declare function scaleSpec(nodes: number, apps?: number): string;
export declare function scaleAppPaths(apps: number): string[];
export declare function writeScaleSpec(dir: string, nodes: number, apps?: number): string;
