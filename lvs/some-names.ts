// A list of names in one line of a message, the first few and how many more: a realserver in
// 10,000 services would otherwise name them all in every line about it.

/** "web, api, db and 9,997 more" (all of them when they are at most `shown`). */
export function someNames(names: readonly string[], shown = 3): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${(names.length - shown).toLocaleString('en-US')} more`;
}
