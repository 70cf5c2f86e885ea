// Marks the two CLI entry points executable after tsc wrote them (tsc keeps the shebang, not the mode).
const fs = require('fs');
for (const file of ['dist/controller/cli/main.js', 'dist/agent/main.js']) {
  if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
}
