// The plan loader and the address resolver every fleet command runs with, loaded when a
// command runs (not at start-up, so --help and validate stay light).
export async function loadPlanIo() {
  const [{ loadPlanFile }, { resolveAddresses }] = await Promise.all([import('../plan/load'), import('../inventory/resolve')]);
  return { loadPlanFile, resolveAddresses };
}
