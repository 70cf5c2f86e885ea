// The assets a bundle of dist/ carries in its own text (scripts/package/dist-bundles.ts swaps
// this file, in the bundle only, for one holding them): as compiled there are none. Today the
// wire contract as protobufjs JSON, so that an agent started from its bundle does not parse
// agent.proto (docs/architecture.md, "Memory at rest").
export const BUNDLED_ASSETS: Readonly<Record<string, string>> = {};
