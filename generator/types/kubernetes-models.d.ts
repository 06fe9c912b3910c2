// @kubernetes-models/sealed-secrets 2.x lists its kinds in package.json "exports" without a
// "types" condition, so NodeNext resolution finds no declarations; the validator's shape is all
// generator/check/models.ts needs.
declare module "@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret" {
  export class SealedSecret {
    constructor(data?: unknown);
    validate(): void;
  }
}
